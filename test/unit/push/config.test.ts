import { describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';

describe('push configuration', () => {
  test('nothing is pushed and only the Prometheus exporter runs by default', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      metricsExporters: ['prometheus'],
      push: { remoteWrite: undefined, pushgateway: undefined, otlp: undefined },
    });
  });

  test('OTEL_METRICS_EXPORTER selects prometheus, otlp, both, or none', () => {
    expect(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp' }).metricsExporters).toEqual(['otlp']);
    expect(resolveConfig({}, { OTEL_METRICS_EXPORTER: ' Prometheus , otlp,' }).metricsExporters).toEqual(['prometheus', 'otlp']);
    expect(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'none' }).metricsExporters).toEqual([]);
    expect(resolveConfig({ metricsExporters: ['prometheus'] }, { OTEL_METRICS_EXPORTER: 'otlp' }).metricsExporters).toEqual(['prometheus']);
    expect(() => resolveConfig({}, { OTEL_METRICS_EXPORTER: 'console' })).toThrow('OTEL_METRICS_EXPORTER: "console" is not one of "prometheus", "otlp", "none"');
    expect(() => resolveConfig({}, { OTEL_METRICS_EXPORTER: 'none,otlp' })).toThrow('"none" cannot be combined');
  });

  test('otlp takes its interval and timeout from the standard variables', () => {
    expect(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp' }).push.otlp).toEqual({ intervalMillis: 60_000, timeoutMillis: 30_000 });
    expect(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '1000' }).push.otlp).toEqual({
      intervalMillis: 5000,
      timeoutMillis: 1000,
    });
    expect(() => resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '5s' })).toThrow('OTEL_METRIC_EXPORT_INTERVAL: "5s" is not a number of milliseconds');
  });

  test('remote write from the environment, with defaults and percent-encoded headers', () => {
    const config = resolveConfig({}, {
      PROMKIT_REMOTE_WRITE_URL: 'http://vm:8428/api/v1/write',
      PROMKIT_REMOTE_WRITE_INTERVAL_MS: '30000',
      PROMKIT_REMOTE_WRITE_HEADERS: 'Authorization=Bearer%20abc,X-Scope-OrgID=team-a',
    });
    expect(config.push.remoteWrite).toEqual({
      url: 'http://vm:8428/api/v1/write',
      intervalMillis: 30_000,
      headers: { Authorization: 'Bearer abc', 'X-Scope-OrgID': 'team-a' },
      maxQueuedRequests: 20,
      timeoutMillis: 10_000,
      nativeHistograms: 'classic',
    });
  });

  test('native histograms go to remote write as classic buckets unless the option or PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS says native', () => {
    const url = 'http://store/api/v1/write';
    expect(resolveConfig({ push: { remoteWrite: { url } } }, {}).push.remoteWrite?.nativeHistograms).toBe('classic');
    expect(resolveConfig({}, { PROMKIT_REMOTE_WRITE_URL: url, PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: ' Native ' }).push.remoteWrite?.nativeHistograms).toBe('native');
    expect(resolveConfig({ push: { remoteWrite: { url, nativeHistograms: 'classic' } } }, { PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: 'native' }).push.remoteWrite?.nativeHistograms).toBe('classic');
    expect(() => resolveConfig({}, { PROMKIT_REMOTE_WRITE_URL: url, PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: 'both' })).toThrow(
      'PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: "both" is not "native" or "classic"',
    );
  });

  test('options win over the environment', () => {
    const config = resolveConfig(
      { push: { remoteWrite: { url: 'https://store/api/v1/write', intervalMillis: 1000, maxQueuedRequests: 3 }, pushgateway: { url: 'http://gw:9091', timeoutMillis: 500 } } },
      { PROMKIT_REMOTE_WRITE_URL: 'http://other/api/v1/write', PROMKIT_PUSHGATEWAY_URL: 'http://other:9091' },
    );
    expect(config.push.remoteWrite).toMatchObject({ url: 'https://store/api/v1/write', intervalMillis: 1000, maxQueuedRequests: 3 });
    expect(config.push.pushgateway).toEqual({ url: 'http://gw:9091', headers: {}, timeoutMillis: 500 });
  });

  test('bad push settings are refused, naming the setting', () => {
    expect(() => resolveConfig({}, { PROMKIT_REMOTE_WRITE_URL: 'vm:8428' })).toThrow('PROMKIT_REMOTE_WRITE_URL: "vm:8428" must be an http:// or https:// URL');
    expect(() => resolveConfig({}, { PROMKIT_PUSHGATEWAY_URL: 'not a url' })).toThrow('PROMKIT_PUSHGATEWAY_URL: "not a url" is not a URL');
    expect(() => resolveConfig({ push: { remoteWrite: { url: 'http://x', intervalMillis: 0 } } }, {})).toThrow('push.remoteWrite.intervalMillis: 0 must be a positive number');
    expect(() => resolveConfig({ push: { remoteWrite: { url: 'http://x', maxQueuedRequests: 0.5 } } }, {})).toThrow('push.remoteWrite.maxQueuedRequests: 0.5 must be a whole number');
    expect(() => resolveConfig({}, { PROMKIT_REMOTE_WRITE_URL: 'http://x', PROMKIT_REMOTE_WRITE_HEADERS: 'novalue' })).toThrow('PROMKIT_REMOTE_WRITE_HEADERS: "novalue" is not name=value');
  });
});
