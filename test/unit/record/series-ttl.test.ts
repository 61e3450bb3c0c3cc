/**
 * `seriesTtl`: a label set not written for that long leaves the scrape and memory. Time is the
 * test facade's manual clock; a series is seen as written by the collection after the write.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { OVERFLOW_LABELS } from '../../../src/record/labels.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

async function series(name: string): Promise<string[]> {
  return (await t.scrapeText()).split('\n').filter((line) => line.startsWith(name));
}

describe('seriesTtl', () => {
  test('an idle counter series disappears after the TTL; one written in time stays', async () => {
    t = createTestMetrics({ seriesTtl: 60 });
    const jobs = t.metrics.counter({ name: 'ttl.jobs', description: 'Jobs.', labels: ['queue'] });
    jobs.add(1, { queue: 'busy' });
    jobs.add(1, { queue: 'idle' });
    expect(await series('ttl_jobs_total')).toEqual(['ttl_jobs_total{queue="busy"} 1', 'ttl_jobs_total{queue="idle"} 1']);
    t.clock.advance(40);
    jobs.add(1, { queue: 'busy' });
    expect(await series('ttl_jobs_total')).toEqual(['ttl_jobs_total{queue="busy"} 2', 'ttl_jobs_total{queue="idle"} 1']);
    t.clock.advance(30);
    expect(await series('ttl_jobs_total')).toEqual(['ttl_jobs_total{queue="busy"} 2']);
    // Written again, the label set is a new series starting from 0.
    jobs.add(5, { queue: 'idle' });
    expect(await series('ttl_jobs_total')).toEqual(['ttl_jobs_total{queue="busy"} 2', 'ttl_jobs_total{queue="idle"} 5']);
  });

  test('a bound handle whose series expired keeps working: its next write is a new series from 0', async () => {
    t = createTestMetrics({ seriesTtl: 10 });
    const bound = t.metrics.counter({ name: 'ttl.bound', description: 'Bound.', labels: ['k'] }).bind({ k: 'v' });
    const latency = t.metrics.histogram({ name: 'ttl.latency', description: 'Latency.', unit: 's', labels: ['k'], buckets: [1] }).bind({ k: 'v' });
    bound.add(3);
    latency.record(0.5);
    expect(await t.getValue('ttl.bound', { k: 'v' })).toBe(3);
    t.clock.advance(11);
    expect(await t.getValue('ttl.bound', { k: 'v' })).toBeUndefined();
    expect(await t.getHistogram('ttl.latency', { k: 'v' })).toBeUndefined();
    bound.add(2);
    latency.record(2);
    expect(await t.getValue('ttl.bound', { k: 'v' })).toBe(2);
    expect((await t.getHistogram('ttl.latency', { k: 'v' }))?.count).toBe(1);
    expect((await t.getHistogram('ttl.latency', { k: 'v' }))?.sum).toBe(2);
  });

  test('an expired overflow handle comes back as the overflow series, not as the series without labels', async () => {
    t = createTestMetrics({ seriesTtl: 10 });
    const counter = t.metrics.counter({ name: 'ttl.spill', description: 'Spill.', labels: ['k'] });
    const spill = counter.bind(OVERFLOW_LABELS as never);
    counter.add(1);
    spill.add(2);
    expect(await series('ttl_spill_total')).toEqual(['ttl_spill_total{otel_metric_overflow="true"} 2', 'ttl_spill_total 1']);
    t.clock.advance(11);
    expect(await series('ttl_spill_total')).toEqual([]);
    spill.add(3);
    counter.add(1);
    expect(await series('ttl_spill_total')).toEqual(['ttl_spill_total{otel_metric_overflow="true"} 3', 'ttl_spill_total 1']);
  });

  test('an expired label set frees its place under the cardinality limit', async () => {
    t = createTestMetrics({ seriesTtl: 10, cardinalityLimit: 3 });
    const gauge = t.metrics.gauge({ name: 'ttl.depth', description: 'Depth.', labels: ['q'] });
    gauge.set(1, { q: 'a' });
    gauge.set(2, { q: 'b' });
    gauge.set(3, { q: 'c' });
    expect(await series('ttl_depth')).toEqual(['ttl_depth{q="a"} 1', 'ttl_depth{q="b"} 2', 'ttl_depth{otel_metric_overflow="true"} 3']);
    t.clock.advance(11);
    // Idle series are removed by a collection.
    await t.collect();
    gauge.set(4, { q: 'd' });
    expect(await series('ttl_depth')).toEqual(['ttl_depth{q="d"} 4']);
  });

  test('raw OTel instruments on the provider expire the same way', async () => {
    t = createTestMetrics({ seriesTtl: 60 });
    const counter = t.meterProvider.getMeter('raw').createCounter('ttl.raw');
    counter.add(1, { k: 'old' });
    await t.collect();
    t.clock.advance(30);
    counter.add(1, { k: 'new' });
    expect(await series('ttl_raw_total')).toEqual(['ttl_raw_total{k="old"} 1', 'ttl_raw_total{k="new"} 1']);
    t.clock.advance(45);
    expect(await series('ttl_raw_total')).toEqual(['ttl_raw_total{k="new"} 1']);
  });

  test('without seriesTtl nothing expires', async () => {
    t = createTestMetrics();
    t.metrics.counter({ name: 'ttl.never', description: 'Never.' }).add(1);
    await t.collect();
    t.clock.advance(1e9);
    expect(await t.getValue('ttl.never')).toBe(1);
  });
});
