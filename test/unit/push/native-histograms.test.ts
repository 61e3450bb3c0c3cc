import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, test } from 'vitest';
import { serialize } from '../../../src/exposition/serializer.js';
import { ZERO_THRESHOLD } from '../../../src/exposition/protobuf.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews } from '../../../src/otel/views.js';
import { encodeWriteRequest } from '../../../src/push/protobuf.js';
import { toTimeSeries, type NativeHistogramsMode } from '../../../src/push/series.js';
import { snappyCompress } from '../../../src/push/snappy.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';
import { decodeWriteRequest, type DecodedSeries } from '../../helpers/remote-write-decode.js';

const TARGET = { job: 'batch', instance: 'host-a:1' };
const NOW = 1_700_000_000_000;
/** Values the tests record: one exact zero, five positive. */
const VALUES = [0, 0.003, 0.02, 0.3, 0.3, 4];
const SUM = VALUES.reduce((a, b) => a + b, 0);

function setup() {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader], views: catalogueViews(), resource: resourceFromAttributes({ 'service.name': 'batch' }) });
  const metrics = createMetrics({ meterProvider: provider });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { metrics, collect };
}

async function pushed(record: (m: ReturnType<typeof setup>['metrics']) => void, mode: NativeHistogramsMode): Promise<{ series: DecodedSeries[]; text: string }> {
  const { metrics, collect } = setup();
  record(metrics);
  const collected = await collect();
  const body = snappyCompress(encodeWriteRequest(toTimeSeries(collected, TARGET, NOW, { targetInfo: false, nativeHistograms: mode })));
  return { series: decodeWriteRequest(body), text: serialize(collected) };
}

const nameOf = (s: DecodedSeries) => s.labels['__name__'];

describe('a native-only histogram pushed by remote write', () => {
  const record = (m: ReturnType<typeof setup>['metrics']) => {
    const h = m.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', labels: ['step'], native: true });
    for (const v of VALUES) h.record(v, { step: 'load' });
  };

  test('classic mode: exactly the scrape\'s derived _bucket, _sum and _count series, none left out', async () => {
    const { series, text } = await pushed(record, 'classic');
    const scraped = parsePrometheusText(text).samples.filter((s) => s.name.startsWith('job_duration_seconds'));
    const key = (name: string, labels: Record<string, string>) => `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    const expected = new Map(scraped.map((s) => [key(s.name, { ...s.labels, ...TARGET }), s.value]));
    const got = new Map(
      series.filter((s) => nameOf(s)?.startsWith('job_duration_seconds')).map((s) => [key(nameOf(s)!, Object.fromEntries(Object.entries(s.labels).filter(([n]) => n !== '__name__'))), s.samples[0]!.value]),
    );
    expect(got).toEqual(expected);
    expect(series.every((s) => s.histograms === undefined)).toBe(true);
    const one = (name: string, le?: string) => series.find((s) => nameOf(s) === name && s.labels['le'] === le)?.samples[0]?.value;
    expect(one('job_duration_seconds_count')).toBe(6);
    expect(one('job_duration_seconds_sum')).toBe(SUM);
    expect(one('job_duration_seconds_bucket', '0')).toBe(1);
    expect(one('job_duration_seconds_bucket', '+Inf')).toBe(6);
    // One _bucket series per exponential bucket in the populated range, plus le="0" and +Inf.
    expect(series.filter((s) => nameOf(s) === 'job_duration_seconds_bucket').length).toBeGreaterThan(VALUES.length);
  });

  test('native mode: one series carrying a native histogram with the exact count, sum, zero count and bucket of every value', async () => {
    const { series } = await pushed(record, 'native');
    const histograms = series.filter((s) => nameOf(s) === 'job_duration_seconds');
    expect(histograms).toHaveLength(1);
    expect(series.filter((s) => nameOf(s)?.startsWith('job_duration_seconds_'))).toEqual([]);
    const [one] = histograms;
    expect(one!.labels).toEqual({ __name__: 'job_duration_seconds', step: 'load', ...TARGET });
    expect(one!.samples).toEqual([]);
    const h = one!.histograms![0]!;
    expect(h).toMatchObject({ count: 6, sum: SUM, zeroCount: 1, zeroThreshold: ZERO_THRESHOLD, timestampMillis: NOW });
    expect(h.negative.size).toBe(0);
    expect(h.schema).toBeGreaterThanOrEqual(-4);
    expect(h.schema).toBeLessThanOrEqual(8);
    // Prometheus bucket i holds (base^(i-1), base^i], base = 2^(2^-schema): every positive value in its own bucket.
    const base = 2 ** 2 ** -h.schema;
    const expected = new Map<number, number>();
    for (const v of VALUES.filter((x) => x > 0)) {
      let i = Math.ceil(Math.log(v) / Math.log(base));
      if (base ** (i - 1) >= v) i--;
      if (base ** i < v) i++;
      expected.set(i, (expected.get(i) ?? 0) + 1);
    }
    expect(h.positive).toEqual(expected);
  });
});

describe('a histogram with classic and native buckets pushed by remote write', () => {
  const record = (m: ReturnType<typeof setup>['metrics']) => {
    const h = m.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.01, 1], native: true });
    for (const v of VALUES) h.record(v, {});
  };

  test('classic mode: its classic buckets only, once', async () => {
    const { series } = await pushed(record, 'classic');
    const values = Object.fromEntries(series.filter((s) => nameOf(s)?.startsWith('job_duration')).map((s) => [`${nameOf(s)}${s.labels['le'] ?? ''}`, s.samples[0]!.value]));
    expect(values).toEqual({
      'job_duration_seconds_bucket0.01': 2,
      'job_duration_seconds_bucket1': 5,
      'job_duration_seconds_bucket+Inf': 6,
      job_duration_seconds_sum: SUM,
      job_duration_seconds_count: 6,
    });
  });

  test('native mode: the classic series and the native histogram beside them', async () => {
    const { series } = await pushed(record, 'native');
    expect(series.filter((s) => nameOf(s) === 'job_duration_seconds_bucket').map((s) => [s.labels['le'], s.samples[0]!.value])).toEqual([
      ['0.01', 2],
      ['1', 5],
      ['+Inf', 6],
    ]);
    const native = series.filter((s) => nameOf(s) === 'job_duration_seconds');
    expect(native).toHaveLength(1);
    expect(native[0]!.histograms![0]).toMatchObject({ count: 6, sum: SUM, zeroCount: 1 });
  });
});
