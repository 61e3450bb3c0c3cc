import { afterEach, expect, test } from 'vitest';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

test('a bound counter records on the bound label set only', async () => {
  t = createTestMetrics();
  const counter = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] });
  const web = counter.bind({ 'order.kind': 'web' });
  web.add();
  web.add(4);
  counter.add(1, { 'order.kind': 'app' });
  expect(await t.getValue('orders.placed', { 'order.kind': 'web' })).toBe(5);
  expect(await t.getValue('orders.placed', { 'order.kind': 'app' })).toBe(1);
});

test('bound up-down counter, gauge and histogram', async () => {
  t = createTestMetrics();
  const active = t.metrics.upDownCounter({ name: 'jobs.active', description: 'Jobs running.', labels: ['queue'] }).bind({ queue: 'q' });
  const depth = t.metrics.gauge({ name: 'queue.depth', description: 'Queue depth.', labels: ['queue'] }).bind({ queue: 'q' });
  const latency = t.metrics
    .histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', labels: ['queue'], buckets: [1, 10] })
    .bind({ queue: 'q' });
  active.add(3);
  active.add(-1);
  depth.set(12);
  depth.set(8);
  latency.record(0.5);
  latency.record(5);
  expect(await t.getValue('jobs.active', { queue: 'q' })).toBe(2);
  expect(await t.getValue('queue.depth', { queue: 'q' })).toBe(8);
  expect(await t.getHistogram('job.duration', { queue: 'q' })).toEqual({
    count: 2,
    sum: 5.5,
    buckets: [
      { le: 1, count: 1 },
      { le: 10, count: 2 },
      { le: Infinity, count: 2 },
    ],
  });
});

test('bind() snapshots the labels: changing the object afterwards does not move the series', async () => {
  t = createTestMetrics();
  const labels = { 'order.kind': 'web' };
  const bound = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] }).bind(labels);
  labels['order.kind'] = 'app';
  bound.add(2);
  expect(await t.getValue('orders.placed', { 'order.kind': 'web' })).toBe(2);
  expect(await t.getValue('orders.placed', { 'order.kind': 'app' })).toBeUndefined();
});

test('bind() truncates an over-long label value once', async () => {
  t = createTestMetrics();
  const bound = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['id'] }).bind({ id: 'z'.repeat(300) });
  bound.add();
  expect(await t.getValue('orders.placed', { id: 'z'.repeat(256) })).toBe(1);
});
