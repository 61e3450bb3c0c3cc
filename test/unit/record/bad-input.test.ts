/**
 * The record-time half of the bad-input contract, one test per line: the measurement is
 * dropped (no series, never NaN), counted in promkit.measurements.dropped, and nothing throws.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MAX_LABEL_VALUE_LENGTH } from '../../../src/record/instruments.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;
let warnings: string[];

beforeEach(() => {
  warnings = [];
  const record = (message: string): void => {
    if (message.startsWith('promkit:')) warnings.push(message);
  };
  const logger: DiagLogger = { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  t = createTestMetrics();
});

afterEach(async () => {
  diag.disable();
  await t.shutdown();
});

const dropped = (metric: string, reason: string): Promise<number | undefined> =>
  t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': reason });

const orders = () => t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] });

describe('record time never throws and drops bad measurements', () => {
  test('NaN is dropped as not_a_number and never exported as a NaN series', async () => {
    const counter = orders();
    const gauge = t.metrics.gauge({ name: 'room.temperature', description: 'Temperature.' });
    expect(() => counter.add(Number.NaN)).not.toThrow();
    expect(() => gauge.set(Number.NaN)).not.toThrow();
    expect(await t.getValue('orders.placed')).toBeUndefined();
    expect(await t.getValue('room.temperature')).toBeUndefined();
    expect(await dropped('orders.placed', 'not_a_number')).toBe(1);
    expect(await dropped('room.temperature', 'not_a_number')).toBe(1);
    const samples = parsePrometheusText(await t.scrapeText()).samples;
    expect(samples.filter((s) => Number.isNaN(s.value))).toEqual([]);
  });

  test('Infinity and -Infinity are dropped as non_finite', async () => {
    const h = t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [1] });
    const g = t.metrics.upDownCounter({ name: 'jobs.queued', description: 'Jobs waiting.' });
    h.record(Infinity);
    g.add(-Infinity);
    g.add(Infinity);
    expect(await t.getHistogram('job.duration')).toBeUndefined();
    expect(await t.getValue('jobs.queued')).toBeUndefined();
    expect(await dropped('job.duration', 'non_finite')).toBe(1);
    expect(await dropped('jobs.queued', 'non_finite')).toBe(2);
  });

  test('a negative counter increment (or histogram value) is dropped as negative_increment', async () => {
    const counter = orders();
    counter.add(2);
    counter.add(-1);
    t.metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [1] }).record(-0.5);
    expect(await t.getValue('orders.placed')).toBe(2);
    expect(await t.getHistogram('job.duration')).toBeUndefined();
    expect(await dropped('orders.placed', 'negative_increment')).toBe(1);
    expect(await dropped('job.duration', 'negative_increment')).toBe(1);
  });

  test('a value that is not a number is dropped as not_a_number', async () => {
    const counter = orders();
    const gauge = t.metrics.gauge({ name: 'room.temperature', description: 'Temperature.' });
    counter.add('5' as unknown as number);
    counter.add(null as unknown as number);
    counter.add(5n as unknown as number);
    gauge.set(undefined as unknown as number);
    expect(await t.getValue('orders.placed')).toBeUndefined();
    expect(await t.getValue('room.temperature')).toBeUndefined();
    expect(await dropped('orders.placed', 'not_a_number')).toBe(3);
    expect(await dropped('room.temperature', 'not_a_number')).toBe(1);
  });

  test('a label key the metric does not declare is dropped as unknown_label', async () => {
    const counter = orders();
    counter.add(1, { 'order.kind': 'web', user: 'alice' } as never);
    counter.add(1, { 'order.kind': 'web' });
    expect(await t.getValue('orders.placed', { 'order.kind': 'web', user: 'alice' })).toBeUndefined();
    expect(await t.getValue('orders.placed', { 'order.kind': 'web' })).toBe(1);
    expect(await dropped('orders.placed', 'unknown_label')).toBe(1);
    expect(warnings[0]).toContain('label "user" is not declared (declared: "order.kind")');
  });

  test('a label value that is not a string, number or boolean is dropped as invalid_label_value', async () => {
    const counter = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['a'] });
    for (const bad of [{}, [], null, undefined, () => 1, Symbol('s')]) counter.add(1, { a: bad } as never);
    counter.add(1, { a: 1 });
    counter.add(1, { a: true });
    expect(await t.getValue('orders.placed', { a: '1' })).toBe(1);
    expect(await t.getValue('orders.placed', { a: 'true' })).toBe(1);
    expect(await dropped('orders.placed', 'invalid_label_value')).toBe(6);
  });

  test(`a label value longer than ${MAX_LABEL_VALUE_LENGTH} characters is truncated to exactly 256`, async () => {
    expect(MAX_LABEL_VALUE_LENGTH).toBe(256);
    const counter = orders();
    const long = 'x'.repeat(250) + 'y'.repeat(100);
    const labels = { 'order.kind': long };
    counter.add(1, labels);
    expect(labels['order.kind']).toBe(long); // the caller's object is not modified
    const truncated = long.slice(0, 256);
    expect(truncated).toHaveLength(256);
    expect(await t.getValue('orders.placed', { 'order.kind': truncated })).toBe(1);
    const { samples } = parsePrometheusText(await t.scrapeText());
    expect(samples.find((s) => s.name === 'orders_placed_total')?.labels).toEqual({ order_kind: truncated });
    expect(await dropped('orders.placed', 'invalid_label_value')).toBeUndefined();
  });

  test('each (metric, reason) is warned once through diag, saying what to do', async () => {
    const a = orders();
    const b = t.metrics.gauge({ name: 'room.temperature', description: 'Temperature.' });
    for (let i = 0; i < 5; i++) {
      a.add(Number.NaN);
      a.add(-1);
      b.set(Infinity);
    }
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toBe(
      'promkit: dropped a measurement of "orders.placed" (not_a_number): value NaN; pass a number (convert strings with ' +
        'Number() and check for undefined/NaN first). Further drops of this kind are only counted in promkit.measurements.dropped.',
    );
    expect(warnings[1]).toContain('"orders.placed" (negative_increment): value -1; counters and histograms only take values >= 0; use an upDownCounter');
    expect(warnings[2]).toContain('"room.temperature" (non_finite): value Infinity; pass a finite number');
    expect(await dropped('orders.placed', 'not_a_number')).toBe(5);
    expect(await dropped('orders.placed', 'negative_increment')).toBe(5);
    expect(await dropped('room.temperature', 'non_finite')).toBe(5);
  });

  test('an observable callback that throws or rejects is caught and counted as callback_error', async () => {
    const gauge = t.metrics.observableGauge({ name: 'queue.depth', description: 'Queue depth.', labels: ['queue'] }, (r) =>
      r.observe(4, { queue: 'ok' }),
    );
    const removers = [
      gauge.addCallback(() => {
        throw new TypeError('boom');
      }),
      gauge.addCallback(() => Promise.reject(new Error('later'))),
      gauge.addCallback((r) => r.observe(Number.NaN, { queue: 'bad' })),
    ];
    await expect(t.collect()).resolves.toBeDefined(); // one collection runs every callback once
    for (const remove of removers) remove();
    expect(await t.getValue('queue.depth', { queue: 'ok' })).toBe(4);
    expect(await t.getValue('queue.depth', { queue: 'bad' })).toBeUndefined();
    expect(await dropped('queue.depth', 'callback_error')).toBe(2);
    expect(await dropped('queue.depth', 'not_a_number')).toBe(1);
    expect(warnings).toContain(
      'promkit: dropped a measurement of "queue.depth" (callback_error): the callback threw TypeError: boom; an observable ' +
        'callback must not throw; catch inside it and skip the observation. Further drops of this kind are only counted in promkit.measurements.dropped.',
    );
  });

  test('bind() with bad labels returns a recorder that counts every call as a drop', async () => {
    const counter = orders();
    const bound = counter.bind({ nope: 'x' } as never);
    expect(() => {
      bound.add();
      bound.add(3);
    }).not.toThrow();
    expect(await t.getValue('orders.placed', { nope: 'x' })).toBeUndefined();
    expect(await dropped('orders.placed', 'unknown_label')).toBe(2);
    const good = counter.bind({ 'order.kind': 'web' });
    good.add(Number.NaN);
    expect(await dropped('orders.placed', 'not_a_number')).toBe(1);
  });
});

describe('cardinality', () => {
  test('past the limit, new label sets go to the otel_metric_overflow="true" series, visible in the scrape', async () => {
    await t.shutdown();
    t = createTestMetrics({ cardinalityLimit: 3 });
    const counter = t.metrics.counter({ name: 'requests.handled', description: 'Requests handled.', labels: ['user'] });
    for (const user of ['a', 'b', 'c', 'd', 'e']) counter.add(1, { user });
    counter.add(10, { user: 'a' });
    const { samples } = parsePrometheusText(await t.scrapeText());
    const series = samples.filter((s) => s.name === 'requests_handled_total');
    expect(series).toEqual([
      { name: 'requests_handled_total', labels: { user: 'a' }, value: 11 },
      { name: 'requests_handled_total', labels: { user: 'b' }, value: 1 },
      { name: 'requests_handled_total', labels: { otel_metric_overflow: 'true' }, value: 3 },
    ]);
  });
});
