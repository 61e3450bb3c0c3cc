import { afterEach, describe, expect, test } from 'vitest';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

const dropped = (metric: string, reason: string) =>
  t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': reason });

describe('bound handles (cells reported through observable instruments)', () => {
  test('a bound counter and unbound adds on the same labels scrape as one series with the sum', async () => {
    t = createTestMetrics();
    const requests = t.metrics.counter({ name: 'jobs.processed', description: 'Jobs processed.', labels: ['queue'] });
    const emails = requests.bind({ queue: 'emails' });
    emails.add();
    emails.add(4);
    requests.add(2, { queue: 'emails' });
    requests.add(1, { queue: 'sms' });
    const { samples, families } = parsePrometheusText(await t.scrapeText({ targetInfo: false }));
    expect(families.get('jobs_processed_total')?.type).toBe('counter');
    expect(samples.filter((s) => s.name === 'jobs_processed_total')).toEqual([
      { name: 'jobs_processed_total', labels: { queue: 'emails' }, value: 7 },
      { name: 'jobs_processed_total', labels: { queue: 'sms' }, value: 1 },
    ]);
  });

  test('binding the same labels twice returns the same cell', () => {
    t = createTestMetrics();
    const counter = t.metrics.counter({ name: 'jobs.processed', description: 'Jobs processed.', labels: ['queue', 'region'] });
    expect(counter.bind({ queue: 'a', region: 'eu' })).toBe(counter.bind({ region: 'eu', queue: 'a' }));
    expect(counter.bind({ queue: 'a', region: 'eu' })).not.toBe(counter.bind({ queue: 'a', region: 'us' }));
  });

  test('a bound counter starts at 0, so rate() sees its first increment', async () => {
    t = createTestMetrics();
    t.metrics.counter({ name: 'logins', description: 'Logins.', labels: ['method'] }).bind({ method: 'sso' });
    expect(await t.getValue('logins', { method: 'sso' })).toBe(0);
  });

  test('a bound up-down counter goes up and down', async () => {
    t = createTestMetrics();
    const inFlight = t.metrics.upDownCounter({ name: 'jobs.in_flight', description: 'Jobs running.', labels: ['queue'] }).bind({ queue: 'a' });
    inFlight.add(3);
    inFlight.add(-2);
    expect(await t.getValue('jobs.in_flight', { queue: 'a' })).toBe(1);
  });

  test('a bound gauge reports nothing until set, then the last value', async () => {
    t = createTestMetrics();
    const depth = t.metrics.gauge({ name: 'queue.depth', description: 'Queue depth.', labels: ['queue'] }).bind({ queue: 'a' });
    expect(await t.getValue('queue.depth', { queue: 'a' })).toBeUndefined();
    depth.set(7);
    depth.set(-3);
    expect(await t.getValue('queue.depth', { queue: 'a' })).toBe(-3);
  });

  test('refuses and counts bad values on a bound counter, by reason, without throwing', async () => {
    t = createTestMetrics();
    const cell = t.metrics.counter({ name: 'jobs.processed', description: 'Jobs processed.', labels: ['queue'] }).bind({ queue: 'a' });
    cell.add(Number.NaN);
    cell.add(-1);
    cell.add(Infinity);
    cell.add('5' as unknown as number);
    cell.add(2);
    expect(await t.getValue('jobs.processed', { queue: 'a' })).toBe(2);
    expect(await dropped('jobs.processed', 'not_a_number')).toBe(2);
    expect(await dropped('jobs.processed', 'negative_increment')).toBe(1);
    expect(await dropped('jobs.processed', 'non_finite')).toBe(1);
  });

  test('refuses non-finite values on bound up-down counters and gauges', async () => {
    t = createTestMetrics();
    const inFlight = t.metrics.upDownCounter({ name: 'jobs.in_flight', description: 'Jobs running.' }).bind({});
    const depth = t.metrics.gauge({ name: 'queue.depth', description: 'Queue depth.' }).bind({});
    inFlight.add(-Infinity);
    depth.set(Number.NaN);
    depth.set(4);
    expect(await t.getValue('jobs.in_flight')).toBe(0);
    expect(await t.getValue('queue.depth')).toBe(4);
    expect(await dropped('jobs.in_flight', 'non_finite')).toBe(1);
    expect(await dropped('queue.depth', 'not_a_number')).toBe(1);
  });

  test('cells are subject to the cardinality limit like any stream', async () => {
    t = createTestMetrics({ cardinalityLimit: 2 });
    const counter = t.metrics.counter({ name: 'jobs.processed', description: 'Jobs processed.', labels: ['queue'] });
    for (const queue of ['a', 'b', 'c']) counter.bind({ queue }).add(1);
    const { samples } = parsePrometheusText(await t.scrapeText({ targetInfo: false }));
    expect(samples.filter((s) => s.name === 'jobs_processed_total').map((s) => [s.labels, s.value])).toEqual([
      [{ queue: 'a' }, 1],
      [{ otel_metric_overflow: 'true' }, 2],
    ]);
  });
});
