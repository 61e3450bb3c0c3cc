import { afterEach, describe, expect, test } from 'vitest';
import { HTTP_SERVER_REQUEST_DURATION } from '../../../src/catalogue/http.js';
import { HistogramCell } from '../../../src/record/histogram-cells.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

const latency = { name: 'job.duration', description: 'Job duration.', unit: 's', labels: ['queue'], buckets: [1, 10] } as const;

describe('histogram cells', () => {
  test('a value on a boundary lands in that boundary\'s bucket, as the SDK puts it', () => {
    const refused: unknown[] = [];
    const cell = new HistogramCell({}, [1, 10], (value) => refused.push(value));
    for (const value of [0, 1, 1.5, 10, 11]) cell.record(value);
    expect(cell.counts).toEqual([2, 2, 1]);
    expect(cell.sum).toBe(23.5);
    expect(cell.count).toBe(5);
    expect([cell.min, cell.max]).toEqual([0, 11]);
    expect(refused).toEqual([]);
  });

  test('refuses NaN, negatives, non-numbers and a value that would take the sum to Infinity', () => {
    const refused: unknown[] = [];
    const cell = new HistogramCell({}, [1], (value) => refused.push(value));
    cell.record(Number.MAX_VALUE);
    for (const value of [Number.NaN, -1, '5', Number.MAX_VALUE, Infinity]) cell.record(value as number);
    expect(refused).toEqual([Number.NaN, -1, '5', Number.MAX_VALUE, Infinity]);
    expect(cell.count).toBe(1);
  });

  test('a bound handle is a cell reported through the producer; unbound records of the same series add up with it', async () => {
    t = createTestMetrics();
    const histogram = t.metrics.histogram(latency);
    const bound = histogram.bind({ queue: 'q' });
    expect(bound).toBeInstanceOf(HistogramCell);
    bound.record(0.5);
    histogram.record(5, { queue: 'q' });
    expect(await t.getHistogram('job.duration', { queue: 'q' })).toEqual({
      count: 2,
      sum: 5.5,
      buckets: [
        { le: 1, count: 1 },
        { le: 10, count: 2 },
        { le: Infinity, count: 2 },
      ],
    });
    const { samples } = parsePrometheusText(await t.scrapeText());
    expect(samples.filter((s) => s.name === 'job_duration_seconds_count')).toEqual([
      { name: 'job_duration_seconds_count', labels: { queue: 'q' }, value: 2 },
    ]);
  });

  test('a refused value is counted as a drop and makes no series', async () => {
    t = createTestMetrics();
    t.metrics.histogram(latency).bind({ queue: 'q' }).record(-1);
    expect(await t.getHistogram('job.duration', { queue: 'q' })).toBeUndefined();
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'job.duration', 'promkit.reason': 'negative_increment' })).toBe(1);
  });

  test('catalogue histograms get the bucket overrides their view has', async () => {
    t = createTestMetrics({ buckets: { [HTTP_SERVER_REQUEST_DURATION.name]: [0.1, 1] } });
    const bound = t.metrics.histogram(HTTP_SERVER_REQUEST_DURATION).bind({ 'http.request.method': 'GET', 'http.route': '/' });
    bound.record(0.05);
    expect((await t.getHistogram(HTTP_SERVER_REQUEST_DURATION.name, { 'http.request.method': 'GET', 'http.route': '/' }))?.buckets).toEqual([
      { le: 0.1, count: 1 },
      { le: 1, count: 1 },
      { le: Infinity, count: 1 },
    ]);
  });

  test('past the cardinality limit new label sets share the overflow series', async () => {
    t = createTestMetrics({ cardinalityLimit: 3 });
    const histogram = t.metrics.histogram(latency);
    for (const queue of ['a', 'b', 'c', 'd']) histogram.bind({ queue }).record(2);
    const { samples } = parsePrometheusText(await t.scrapeText());
    expect(samples.filter((s) => s.name === 'job_duration_seconds_count')).toEqual([
      { name: 'job_duration_seconds_count', labels: { queue: 'a' }, value: 1 },
      { name: 'job_duration_seconds_count', labels: { queue: 'b' }, value: 1 },
      { name: 'job_duration_seconds_count', labels: { otel_metric_overflow: 'true' }, value: 2 },
    ]);
  });

  test('each series carries the time its cell was made as its start time', async () => {
    t = createTestMetrics();
    const before = Date.now();
    t.metrics.histogram(latency).bind({ queue: 'q' }).record(1);
    const metric = (await t.collect()).scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'job.duration');
    const [seconds, nanos] = metric!.dataPoints[0]!.startTime;
    const startMs = seconds * 1000 + nanos / 1e6;
    // Monotonic and wall clocks may disagree slightly; a second of slack still tells creation time from zero.
    expect(startMs).toBeGreaterThanOrEqual(before - 1000);
    expect(startMs).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('the HTTP server histogram in cells', () => {
  test('manual records of one label set land in one cell, with the labels semconv gives', async () => {
    t = createTestMetrics();
    for (const durationS of [0.01, 0.02]) {
      t.metrics.http.recordServerRequest({ method: 'get', route: '/users/:id', statusCode: 503, durationS, scheme: 'http', protocolVersion: '1.1' });
    }
    const labels = {
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      'http.response.status_code': 503,
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'error.type': '503',
    };
    expect((await t.getHistogram(HTTP_SERVER_REQUEST_DURATION.name, labels))?.count).toBe(2);
  });

  test('the normaliser is asked once per distinct raw path, and every time for a 404', async () => {
    const asked: string[] = [];
    t = createTestMetrics();
    const { createMetrics } = await import('../../../src/facade/metrics.js');
    const { CellProducer } = await import('../../../src/record/producer.js');
    const facade = createMetrics({
      meterProvider: t.meterProvider,
      producer: new CellProducer(),
      normalizeRoute: (path, hint) => {
        asked.push(`${path} ${hint?.statusCode ?? '-'}`);
        return hint?.statusCode === 404 ? '/*unmatched' : '/orders/:id';
      },
    });
    for (let i = 0; i < 3; i++) facade.http.recordServerRequest({ method: 'GET', path: '/orders/8', statusCode: 200, durationS: 0.01 });
    for (let i = 0; i < 2; i++) facade.http.recordServerRequest({ method: 'GET', path: '/nope', statusCode: 404, durationS: 0.01 });
    expect(asked).toEqual(['/orders/8 200', '/nope 404', '/nope 404']);
  });
});
