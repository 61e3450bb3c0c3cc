/**
 * Compile-time contract: declared labels become the only keys accepted. The `@ts-expect-error`
 * lines are checked by `tsc -p tsconfig.json --noEmit` (which includes test/); at run time the
 * same mistakes are refused and counted, which the assertions below also pin down.
 */
import { afterEach, expect, expectTypeOf, test } from 'vitest';
import { CACHE_HITS } from '../../../src/catalogue/cache.js';
import type { Counter, Gauge, Histogram, Labels, UpDownCounter } from '../../../src/record/types.js';
import type { ObservableGauge } from '../../../src/record/observable.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

test('label keys are inferred from the definition and wrong keys fail to compile', async () => {
  t = createTestMetrics();
  const orders = t.metrics.counter({ name: 'orders.placed', description: 'Orders.', labels: ['order.kind', 'region'] });
  expectTypeOf(orders).toEqualTypeOf<Counter<'order.kind' | 'region'>>();
  expectTypeOf(orders.add).parameter(1).toEqualTypeOf<Labels<'order.kind' | 'region'> | undefined>();
  orders.add(1, { 'order.kind': 'web', region: 'eu' });
  // @ts-expect-error 'wrong' is not a declared label
  orders.add(1, { wrong: 'x' });
  // @ts-expect-error label values are strings, numbers or booleans
  orders.add(1, { region: { nested: true } });
  // @ts-expect-error bind() takes the same keys
  orders.bind({ wrong: 'x' });
  expect(await t.getValue('orders.placed', { 'order.kind': 'web', region: 'eu' })).toBe(1);
  expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'orders.placed', 'promkit.reason': 'unknown_label' })).toBe(1);
});

test('every generic method is typed by its definition', () => {
  t = createTestMetrics();
  expectTypeOf(t.metrics.upDownCounter({ name: 'a.b', description: 'A.', labels: ['x'] })).toEqualTypeOf<UpDownCounter<'x'>>();
  expectTypeOf(t.metrics.gauge({ name: 'a.c', description: 'A.', labels: ['y'] })).toEqualTypeOf<Gauge<'y'>>();
  expectTypeOf(t.metrics.histogram({ name: 'a.d', description: 'A.', labels: ['z'], buckets: 'db_duration' })).toEqualTypeOf<Histogram<'z'>>();
  expectTypeOf(t.metrics.observableGauge({ name: 'a.e', description: 'A.', labels: ['w'] })).toEqualTypeOf<ObservableGauge<'w'>>();
  t.metrics.observableGauge({ name: 'a.f', description: 'A.', labels: ['w'] }, (result) => {
    result.observe(1, { w: 'ok' });
    // @ts-expect-error observe() takes only the declared keys
    result.observe(1, { v: 'no' });
  });
  // @ts-expect-error histograms require buckets
  expect(() => t.metrics.histogram({ name: 'a.g', description: 'A.' })).toThrow('histograms need buckets');
  // @ts-expect-error a preset name must exist
  expect(() => t.metrics.histogram({ name: 'a.h', description: 'A.', buckets: 'fast' })).toThrow('is not a preset');
});

test('catalogue definitions keep their attribute keys', () => {
  t = createTestMetrics();
  const hits = t.core.counter(CACHE_HITS);
  expectTypeOf(hits).toEqualTypeOf<Counter<'cache.name' | 'cache.operation'>>();
  // @ts-expect-error cache.hits does not declare http.route
  hits.add(1, { 'http.route': '/' });
});

test('a metric that declares no labels accepts no label keys at compile time', async () => {
  t = createTestMetrics();
  const ticks = t.metrics.counter({ name: 'scheduler.ticks', description: 'Scheduler ticks.' });
  ticks.add(1);
  ticks.add(1, {});
  // @ts-expect-error no labels were declared
  ticks.add(1, { shard: 'a' });
  expect(await t.getValue('scheduler.ticks')).toBe(2);
  expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'scheduler.ticks', 'promkit.reason': 'unknown_label' })).toBe(1);
});
