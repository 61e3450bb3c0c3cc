import { describe, expect, test } from 'vitest';
import { negotiateFormat } from '../../../src/exposition/negotiate.js';

/** The Accept headers Prometheus 2.42 sends, without and with `--enable-feature=native-histograms`. */
const PROMETHEUS = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const PROMETHEUS_NATIVE =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('content negotiation', () => {
  test("Prometheus's default Accept gets OpenMetrics", () => {
    expect(negotiateFormat(PROMETHEUS, { nativeHistograms: false })).toBe('openmetrics');
    expect(negotiateFormat(PROMETHEUS, { nativeHistograms: true })).toBe('openmetrics');
  });

  test('protobuf only when asked for and a native histogram exists; OpenMetrics next', () => {
    expect(negotiateFormat(PROMETHEUS_NATIVE, { nativeHistograms: true })).toBe('protobuf');
    expect(negotiateFormat(PROMETHEUS_NATIVE, { nativeHistograms: false })).toBe('openmetrics');
  });

  test('no Accept, */*, text/plain or an unknown type get text 0.0.4', () => {
    for (const accept of [undefined, '', '*/*', 'text/plain', 'text/plain;version=0.0.4', 'application/json', 'application/openmetrics-text;version=2.0.0']) {
      expect(negotiateFormat(accept, { nativeHistograms: true })).toBe('text');
    }
  });

  test('q orders the ranges and q=0 refuses one', () => {
    expect(negotiateFormat('text/plain;q=0.9,application/openmetrics-text', { nativeHistograms: false })).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0,text/plain', { nativeHistograms: false })).toBe('text');
    expect(negotiateFormat('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text', { nativeHistograms: true })).toBe('text');
  });
});
