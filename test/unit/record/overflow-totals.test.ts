/**
 * Totals never reach ±Infinity: the measurement that would take a counter, an up-down counter or
 * a histogram's `_sum` past ±Number.MAX_VALUE is dropped and counted as `non_finite`, on unbound
 * instruments (SDK-summed) and on bound cells alike, and the scrape never shows +Inf or -Inf.
 */
import { describe, expect, test } from 'vitest';
import { HUGE } from '../../../src/record/totals.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;
useTestMetrics((fresh) => {
  t = fresh;
});

const MAX = Number.MAX_VALUE;
const nonFinite = (metric: string): Promise<number | undefined> =>
  t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': 'non_finite' });

/** Every sample value in the scrape is finite (bucket `le="+Inf"` is a label, not a value). */
async function expectFiniteScrape(): Promise<void> {
  const samples = parsePrometheusText(await t.scrapeText()).samples;
  expect(samples.filter((s) => !Number.isFinite(s.value))).toEqual([]);
}

describe('a counter', () => {
  test('add(Number.MAX_VALUE) twice: the second is dropped as non_finite, the total stays MAX_VALUE', async () => {
    const counter = t.metrics.counter({ name: 'big.amount', description: 'Big.', labels: ['k'] });
    counter.add(MAX, { k: 'a' });
    counter.add(MAX, { k: 'a' });
    counter.add(MAX, { k: 'b' });
    expect(await t.getValue('big.amount', { k: 'a' })).toBe(MAX);
    expect(await t.getValue('big.amount', { k: 'b' })).toBe(MAX);
    expect(await nonFinite('big.amount')).toBe(1);
    await expectFiniteScrape();
  });

  test('bound: the same, checked on the cell', async () => {
    const cell = t.metrics.counter({ name: 'big.amount', description: 'Big.' }).bind({});
    cell.add(MAX);
    cell.add(MAX);
    cell.add(1);
    expect(await t.getValue('big.amount')).toBe(MAX);
    expect(await nonFinite('big.amount')).toBe(1);
    await expectFiniteScrape();
  });

  test('values up to the tracking threshold are recorded as before', async () => {
    const counter = t.metrics.counter({ name: 'big.amount', description: 'Big.' });
    counter.add(HUGE);
    counter.add(HUGE);
    expect(await t.getValue('big.amount')).toBe(2 * HUGE);
    expect(await nonFinite('big.amount')).toBeUndefined();
  });
});

describe('an up-down counter', () => {
  test('going to -Infinity: the measurement is dropped, the total stays -MAX_VALUE and can come back', async () => {
    const level = t.metrics.upDownCounter({ name: 'level', description: 'Level.' });
    level.add(-MAX);
    level.add(-MAX);
    expect(await t.getValue('level')).toBe(-MAX);
    level.add(MAX);
    expect(await t.getValue('level')).toBe(0);
    expect(await nonFinite('level')).toBe(1);
    await expectFiniteScrape();
  });

  test('bound: the same on the cell', async () => {
    const cell = t.metrics.upDownCounter({ name: 'level', description: 'Level.' }).bind({});
    cell.add(-MAX);
    cell.add(-MAX);
    expect(await t.getValue('level')).toBe(-MAX);
    cell.add(MAX);
    expect(await t.getValue('level')).toBe(0);
    expect(await nonFinite('level')).toBe(1);
  });
});

describe('a histogram', () => {
  test('record(MAX_VALUE) twice: the second is dropped, _sum stays finite and _count is 1', async () => {
    const histogram = t.metrics.histogram({ name: 'size', description: 'Size.', buckets: [1] });
    histogram.record(MAX);
    histogram.record(MAX);
    const snapshot = await t.getHistogram('size');
    expect([snapshot?.count, snapshot?.sum]).toEqual([1, MAX]);
    expect(await nonFinite('size')).toBe(1);
    await expectFiniteScrape();
  });

  test('bound: the same', async () => {
    const bound = t.metrics.histogram({ name: 'size', description: 'Size.', buckets: [1] }).bind({});
    bound.record(MAX);
    bound.record(MAX);
    bound.record(0.5);
    const snapshot = await t.getHistogram('size');
    expect([snapshot?.count, snapshot?.sum]).toEqual([2, MAX]);
    expect(await nonFinite('size')).toBe(1);
  });
});
