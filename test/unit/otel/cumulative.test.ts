/**
 * The reader's cumulative state: deltas of SDK-aggregated metrics added up, exponential
 * histograms merged at a common scale.
 */
import type { DataPoint, ExponentialHistogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import { mergeExponential } from '../../../src/otel/cumulative.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

function exponential(scale: number, offset: number, counts: number[], zeroCount = 0): ExponentialHistogram {
  const count = counts.reduce((a, b) => a + b, 0) + zeroCount;
  return { count, sum: count, scale, zeroCount, positive: { offset, bucketCounts: counts }, negative: { offset: 0, bucketCounts: [] }, min: 0, max: 1 };
}

describe('mergeExponential', () => {
  test('at one scale, buckets add index by index', () => {
    const merged = mergeExponential(exponential(3, 10, [1, 2, 3]), exponential(3, 11, [10, 20]));
    expect(merged.scale).toBe(3);
    expect(merged.positive).toEqual({ offset: 10, bucketCounts: [1, 12, 23] });
    expect(merged.count).toBe(36);
  });

  test('a finer delta is brought down to the coarser scale: bucket i becomes i >> 1 per step', () => {
    // Scale 4 indices 20..23 are scale 3 indices 10, 10, 11, 11.
    const merged = mergeExponential(exponential(3, 10, [5]), exponential(4, 20, [1, 2, 3, 4]));
    expect(merged.scale).toBe(3);
    expect(merged.positive).toEqual({ offset: 10, bucketCounts: [8, 7] });
    expect(merged.count).toBe(15);
  });

  test('negative indices halve toward minus infinity, and zero counts add', () => {
    const merged = mergeExponential(exponential(1, -3, [1, 1], 2), exponential(2, -5, [1, 1], 3));
    // Scale 2 indices -5, -4 are scale 1 indices -3, -2.
    expect(merged.positive).toEqual({ offset: -3, bucketCounts: [2, 2] });
    expect(merged.zeroCount).toBe(5);
  });

  test('a merged range wider than the bucket budget lowers the scale until it fits', () => {
    const merged = mergeExponential(exponential(0, 0, [1]), exponential(0, 400, [1]));
    expect(merged.scale).toBe(-2);
    expect(merged.positive.offset).toBe(0);
    expect(merged.positive.bucketCounts.length).toBe(101);
    expect(merged.positive.bucketCounts[0]).toBe(1);
    expect(merged.positive.bucketCounts[100]).toBe(1);
  });
});

describe("the reader's state over collections", () => {
  let t: TestMetrics;
  afterEach(async () => {
    await t.shutdown();
  });

  test('a raw native histogram keeps every value across collections, its series capped', async () => {
    t = createTestMetrics({ cardinalityLimit: 2 });
    const native = t.metrics.histogram({ name: 'state.native', description: 'Native.', native: true, labels: ['k'] });
    native.record(1, { k: 'a' });
    await t.collect();
    native.record(1000, { k: 'a' });
    native.record(3, { k: 'b' });
    const collected = await t.collect();
    const points = collected.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === 'state.native').flatMap((m) => m.dataPoints as Array<DataPoint<ExponentialHistogram>>);
    expect(points.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ k: 'a' }, 2],
      [{ 'otel.metric.overflow': true }, 1],
    ]);
    expect(points[0]?.value.sum).toBe(1001);
  });

  test('a raw gauge keeps its last value between collections without new measurements', async () => {
    t = createTestMetrics();
    const gauge = t.meterProvider.getMeter('raw').createGauge('state.gauge');
    gauge.record(5, { k: 'a' });
    expect(await t.getValue('state.gauge', { k: 'a' })).toBe(5);
    expect(await t.getValue('state.gauge', { k: 'a' })).toBe(5);
    gauge.record(2, { k: 'a' });
    expect(await t.getValue('state.gauge', { k: 'a' })).toBe(2);
  });
});
