import { afterEach, expect, test } from 'vitest';
import { HTTP_SERVER_REQUEST_DURATION } from '../../../src/catalogue/http.js';
import { createManualClock, createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

test('getValue matches labels exactly, comparing values as the scrape shows them', async () => {
  t = createTestMetrics();
  const c = t.metrics.counter({ name: 'orders.placed', description: 'Orders.', labels: ['code', 'ok'] });
  c.add(2, { code: 200, ok: true });
  c.add(1, { code: 200 });
  expect(await t.getValue('orders.placed', { code: '200', ok: 'true' })).toBe(2);
  expect(await t.getValue('orders.placed', { code: 200, ok: true })).toBe(2);
  expect(await t.getValue('orders.placed', { code: 200 })).toBe(1);
  expect(await t.getValue('orders.placed')).toBeUndefined();
  expect(await t.getValue('no.such.metric')).toBeUndefined();
});

test('getValue refuses a histogram and getHistogram refuses a counter, naming the right reader', async () => {
  t = createTestMetrics();
  t.metrics.histogram({ name: 'job.duration', description: 'Jobs.', unit: 's', buckets: [1] }).record(1);
  t.metrics.counter({ name: 'orders.placed', description: 'Orders.' }).add();
  await expect(t.getValue('job.duration')).rejects.toThrow('"job.duration" is a histogram; read it with getHistogram()');
  await expect(t.getHistogram('orders.placed')).rejects.toThrow('read it with getValue()');
});

test('catalogue views apply: a catalogue histogram is exported with its semconv buckets', async () => {
  t = createTestMetrics();
  const duration = t.core.histogram(HTTP_SERVER_REQUEST_DURATION);
  duration.record(0.3, { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 });
  const snapshot = await t.getHistogram('http.server.request.duration', {
    'http.request.method': 'GET',
    'http.route': '/users/:id',
    'http.response.status_code': 200,
  });
  expect(snapshot?.buckets.map((b) => b.le)).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, Infinity]);
  expect(snapshot?.buckets.find((b) => b.le === 0.5)).toEqual({ le: 0.5, count: 1 });
  expect(snapshot?.count).toBe(1);
  expect(snapshot?.sum).toBe(0.3);
});

test('bucket overrides reach catalogue histograms', async () => {
  t = createTestMetrics({ buckets: { 'http.server.request.duration': [0.1, 1] } });
  t.core.histogram(HTTP_SERVER_REQUEST_DURATION).record(0.05);
  expect((await t.getHistogram('http.server.request.duration'))?.buckets).toEqual([
    { le: 0.1, count: 1 },
    { le: 1, count: 1 },
    { le: Infinity, count: 1 },
  ]);
});

test('the manual clock drives durations and refuses to go backwards by advance()', async () => {
  t = createTestMetrics();
  expect(t.clock.now()).toBe(0);
  t.clock.advance(1.5);
  expect(t.clock.now()).toBe(1.5);
  t.clock.set(10);
  expect(t.clock.now()).toBe(10);
  expect(() => t.clock.advance(-1)).toThrow(RangeError);
  const custom = createManualClock(50);
  await t.shutdown();
  t = createTestMetrics({ clock: custom });
  expect(t.clock).toBe(custom);
  expect(t.core.clock.now()).toBe(50);
});

test('scrapeText returns parseable Prometheus text with target_info and the metric', async () => {
  t = createTestMetrics();
  t.metrics.gauge({ name: 'pool.size', description: 'Pool size.', unit: '{connection}', labels: ['pool'] }).set(4, { pool: 'main' });
  const text = await t.scrapeText();
  const { samples, families } = parsePrometheusText(text);
  expect(families.get('pool_size')?.type).toBe('gauge');
  expect(families.get('pool_size')?.help).toBe('Pool size.');
  expect(samples.find((s) => s.name === 'pool_size')).toEqual({ name: 'pool_size', labels: { pool: 'main' }, value: 4 });
  expect(samples.some((s) => s.name === 'target_info')).toBe(true);
});

test('each createTestMetrics() is isolated from the others', async () => {
  t = createTestMetrics();
  const other = createTestMetrics();
  t.metrics.counter({ name: 'orders.placed', description: 'Orders.' }).add(3);
  other.metrics.counter({ name: 'orders.placed', description: 'Orders.', unit: '{order}' }).add(1);
  expect(await t.getValue('orders.placed')).toBe(3);
  expect(await other.getValue('orders.placed')).toBe(1);
  await other.shutdown();
});
