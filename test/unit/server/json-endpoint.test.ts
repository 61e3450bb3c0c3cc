import { afterEach, describe, expect, test } from 'vitest';
import type { HistogramSeries, MetricsSnapshot, NumberSeries } from '../../../src/exposition/json.js';
import { histogramQuantile } from '../../../src/exposition/quantile.js';
import { start, type PromkitHandle } from '../../../src/start.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

describe('histogramQuantile, as PromQL histogram_quantile', () => {
  // Buckets (0, 0.1] (0.1, 0.5] (0.5, 1] (1, +Inf] holding 2, 6, 2 and 0 observations.
  const boundaries = [0.1, 0.5, 1];
  const counts = [2, 6, 2, 0];

  test('interpolates linearly inside the bucket the rank falls in', () => {
    // p50: rank 5 falls in (0.1, 0.5], 3 of its 6 observations in: 0.1 + 0.4 * 3/6.
    expect(histogramQuantile(0.5, boundaries, counts)).toBeCloseTo(0.3, 12);
    // p95: rank 9.5 falls in (0.5, 1], 1.5 of 2 in: 0.5 + 0.5 * 1.5/2.
    expect(histogramQuantile(0.95, boundaries, counts)).toBeCloseTo(0.875, 12);
    // p99: rank 9.9: 0.5 + 0.5 * 1.9/2.
    expect(histogramQuantile(0.99, boundaries, counts)).toBeCloseTo(0.975, 12);
  });

  test('interpolates the first bucket from 0 when its upper bound is positive', () => {
    // rank 2 of 4, all in (0, 0.1]: 0.1 * 2/4.
    expect(histogramQuantile(0.5, boundaries, [4, 0, 0, 0])).toBeCloseTo(0.05, 12);
  });

  test('returns the first upper bound when it is not positive', () => {
    expect(histogramQuantile(0.5, [-1, 0, 1], [2, 0, 0, 0])).toBe(-1);
  });

  test('returns the highest finite boundary for a rank in the +Inf bucket', () => {
    expect(histogramQuantile(0.5, boundaries, [1, 0, 0, 3])).toBe(1);
    expect(histogramQuantile(0.99, boundaries, [0, 0, 0, 1])).toBe(1);
  });

  test('gives NaN without observations and ±Inf for q outside [0, 1]', () => {
    expect(histogramQuantile(0.5, boundaries, [0, 0, 0, 0])).toBeNaN();
    expect(histogramQuantile(0.5, [], [3])).toBeNaN();
    expect(histogramQuantile(1.5, boundaries, counts)).toBe(Infinity);
    expect(histogramQuantile(-0.5, boundaries, counts)).toBe(-Infinity);
  });
});

describe('/metrics/json', () => {
  test('serves every series with names, kind, unit, labels, values and quantiles', async () => {
    handle = await start(LOCAL);
    const meter = handle.meterProvider!.getMeter('json-test');
    // Catalogue buckets for db.client.operation.duration: 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10.
    const duration = meter.createHistogram('db.client.operation.duration', { unit: 's' });
    const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' };
    for (let i = 0; i < 2; i++) duration.record(0.003, attributes); // (0.001, 0.005]
    for (let i = 0; i < 6; i++) duration.record(0.02, attributes); // (0.01, 0.05]
    for (let i = 0; i < 2; i++) duration.record(0.3, attributes); // (0.1, 0.5]
    meter.createCounter('cache.hits', { unit: '{request}' }).add(3, { 'cache.name': 'users', 'cache.operation': 'get' });

    const response = await fetch(handle.url!.replace(/\/metrics$/, '/metrics/json'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const snapshot = (await response.json()) as MetricsSnapshot;
    expect(snapshot.schema).toBe('promkit.metrics/v1');
    expect(snapshot.resource['service.name']).toEqual(expect.any(String));

    const db = snapshot.metrics.find((m) => m.name === 'db.client.operation.duration')!;
    expect(db).toMatchObject({ prometheusName: 'db_client_operation_duration_seconds', kind: 'histogram', unit: 's', scope: 'json-test' });
    const series = db.series[0] as HistogramSeries;
    expect(series.labels).toEqual({ db_operation_name: 'SELECT', db_system_name: 'postgresql' });
    expect(series.attributes).toEqual(attributes);
    expect(series.count).toBe(10);
    expect(series.sum).toBeCloseTo(0.726, 12);
    expect(series.buckets.map((b) => b.le)).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, '+Inf']);
    expect(series.buckets.map((b) => b.count)).toEqual([0, 2, 2, 8, 8, 10, 10, 10, 10, 10]);
    // By hand: p50 rank 5 in (0.01, 0.05] holding 6, 3 in: 0.01 + 0.04 * 3/6.
    expect(series.p50).toBeCloseTo(0.03, 12);
    // p95 rank 9.5 in (0.1, 0.5] holding 2, 1.5 in: 0.1 + 0.4 * 1.5/2; p99: 0.1 + 0.4 * 1.9/2.
    expect(series.p95).toBeCloseTo(0.4, 12);
    expect(series.p99).toBeCloseTo(0.48, 12);

    const hits = snapshot.metrics.find((m) => m.name === 'cache.hits')!;
    expect(hits).toMatchObject({ prometheusName: 'cache_hits_total', kind: 'counter', unit: '{request}' });
    expect(hits.series).toEqual([
      { labels: { cache_name: 'users', cache_operation: 'get' }, attributes: { 'cache.name': 'users', 'cache.operation': 'get' }, value: 3 },
    ] satisfies NumberSeries[]);
  });

  test('names up-down counters as such, and puts +Inf-bucket quantiles at the highest boundary', async () => {
    handle = await start(LOCAL);
    const meter = handle.meterProvider!.getMeter('json-test');
    meter.createUpDownCounter('db.client.connection.count', { unit: '{connection}' }).add(4, {
      'db.client.connection.pool.name': 'main',
      'db.client.connection.state': 'idle',
    });
    // Everything above the last boundary: histogram_quantile answers the highest finite one.
    meter.createHistogram('db.client.operation.duration', { unit: 's' }).record(60, { 'db.system.name': 'redis' });
    const snapshot = (await (await fetch(handle.url!.replace(/\/metrics$/, '/metrics/json'))).json()) as MetricsSnapshot;
    const pool = snapshot.metrics.find((m) => m.name === 'db.client.connection.count')!;
    expect(pool).toMatchObject({ kind: 'updowncounter', prometheusName: 'db_client_connection_count' });
    expect((pool.series[0] as NumberSeries).value).toBe(4);
    const slow = snapshot.metrics.find((m) => m.name === 'db.client.operation.duration')!.series[0] as HistogramSeries;
    expect([slow.p50, slow.p95, slow.p99]).toEqual([10, 10, 10]);
  });
});
