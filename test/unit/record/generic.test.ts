import { afterEach, describe, expect, test } from 'vitest';
import { CACHE_HITS } from '../../../src/catalogue/cache.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

describe('generic instruments', () => {
  test('counter adds, defaulting to 1, per label set', async () => {
    t = createTestMetrics();
    const orders = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] });
    orders.add();
    orders.add(2, { 'order.kind': 'web' });
    orders.add(0.5, { 'order.kind': 'web' });
    expect(await t.getValue('orders.placed')).toBe(1);
    expect(await t.getValue('orders.placed', { 'order.kind': 'web' })).toBe(2.5);
    expect(await t.getValue('orders.placed', { 'order.kind': 'app' })).toBeUndefined();
  });

  test('upDownCounter goes up and down', async () => {
    t = createTestMetrics();
    const queue = t.metrics.upDownCounter({ name: 'jobs.queued', description: 'Jobs waiting.', unit: '{job}' });
    queue.add(5);
    queue.add(-3);
    expect(await t.getValue('jobs.queued')).toBe(2);
  });

  test('gauge keeps the last value set', async () => {
    t = createTestMetrics();
    const temp = t.metrics.gauge({ name: 'room.temperature', description: 'Temperature.', unit: 'Cel', labels: ['room'] });
    temp.set(21, { room: 'a' });
    temp.set(-4.5, { room: 'a' });
    expect(await t.getValue('room.temperature', { room: 'a' })).toBe(-4.5);
  });

  test('observableGauge reads its callbacks at each collection', async () => {
    t = createTestMetrics();
    let depth = 3;
    const gauge = t.metrics.observableGauge(
      { name: 'queue.depth', description: 'Queue depth.', labels: ['queue'] },
      (result) => result.observe(depth, { queue: 'mail' }),
    );
    expect(await t.getValue('queue.depth', { queue: 'mail' })).toBe(3);
    depth = 7;
    expect(await t.getValue('queue.depth', { queue: 'mail' })).toBe(7);
    let smsCalls = 0;
    const remove = gauge.addCallback(async (result) => {
      smsCalls++;
      result.observe(1, { queue: 'sms' });
    });
    expect(await t.getValue('queue.depth', { queue: 'sms' })).toBe(1);
    expect(smsCalls).toBe(1);
    remove();
    depth = 9;
    expect(await t.getValue('queue.depth', { queue: 'mail' })).toBe(9);
    expect(smsCalls).toBe(1);
  });

  test('histogram with explicit buckets', async () => {
    t = createTestMetrics();
    const size = t.metrics.histogram({ name: 'upload.size', description: 'Upload size.', unit: 'By', buckets: [10, 100] });
    size.record(5);
    size.record(50);
    size.record(500);
    expect(await t.getHistogram('upload.size')).toEqual({
      count: 3,
      sum: 555,
      buckets: [
        { le: 10, count: 1 },
        { le: 100, count: 2 },
        { le: Infinity, count: 3 },
      ],
    });
  });

  test('histogram with a bucket preset name', async () => {
    t = createTestMetrics();
    const h = t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: 'db_duration' });
    h.record(0.02);
    const snapshot = await t.getHistogram('job.duration');
    expect(snapshot?.buckets.map((b) => b.le)).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, Infinity]);
    expect(snapshot?.buckets[3]).toEqual({ le: 0.05, count: 1 });
    expect(snapshot?.buckets[2]).toEqual({ le: 0.01, count: 0 });
  });

  test('the same definition twice returns the same instrument object', () => {
    t = createTestMetrics();
    const a = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['a', 'b'] });
    const b = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['b', 'a'] });
    expect(b).toBe(a);
    const h1 = t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: 'db_duration' });
    const h2 = t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] });
    expect(h2).toBe(h1);
  });

  test('catalogue definitions go through the same core, with their view applied', async () => {
    t = createTestMetrics();
    const hits = t.core.counter(CACHE_HITS);
    expect(t.core.counter(CACHE_HITS)).toBe(hits);
    hits.add(3, { 'cache.name': 'users', 'cache.operation': 'get' });
    expect(await t.getValue('cache.hits', { 'cache.name': 'users', 'cache.operation': 'get' })).toBe(3);
  });

  test('every kind appears in a real scrape with Prometheus names and exact values', async () => {
    t = createTestMetrics();
    t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] }).add(4, { 'order.kind': 'web' });
    t.metrics.upDownCounter({ name: 'jobs.queued', description: 'Jobs waiting.', unit: '{job}' }).add(-2);
    t.metrics.gauge({ name: 'room.temperature', description: 'Temperature.' }).set(19.5);
    t.metrics.observableGauge({ name: 'queue.depth', description: 'Queue depth.' }, (r) => r.observe(8));
    t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] }).record(0.5);
    const { samples, families } = parsePrometheusText(await t.scrapeText());
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(value('orders_placed_total', { order_kind: 'web' })).toBe(4);
    expect(value('jobs_queued')).toBe(-2);
    expect(value('room_temperature')).toBe(19.5);
    expect(value('queue_depth')).toBe(8);
    expect(value('job_duration_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(value('job_duration_seconds_bucket', { le: '1' })).toBe(1);
    expect(value('job_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(value('job_duration_seconds_sum')).toBe(0.5);
    expect(value('job_duration_seconds_count')).toBe(1);
    expect(families.get('orders_placed')?.type ?? families.get('orders_placed_total')?.type).toBe('counter');
    expect(families.get('job_duration_seconds')?.help).toBe('Job duration.');
  });
});
