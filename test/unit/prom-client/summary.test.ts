import { afterEach, describe, expect, test, vi } from 'vitest';
import { QuantileSketch, TimeWindowQuantiles } from '../../../src/prom-client/quantiles.js';
import { Registry, Summary } from '../../../src/prom-client/index.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A deterministic PRNG (mulberry32), so the accuracy test sees the same 100k values every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the quantile sketch', () => {
  test('small samples give t-digest answers: centroid midpoints interpolated, equal values merged', () => {
    const sketch = new QuantileSketch();
    for (const v of [100, 100, 100, 50, 50]) sketch.push(v);
    expect([0.01, 0.05, 0.5, 0.9, 0.99].map((q) => sketch.percentile(q))).toEqual([50, 50, 80, 100, 100]);
    expect(sketch.size()).toBe(2);
    expect(new QuantileSketch().percentile(0.5)).toBeUndefined();
  });

  test.each([
    ['uniform', (r: () => number) => r() * 100],
    ['exponential', (r: () => number) => -Math.log(1 - r()) * 0.2],
    ['lognormal', (r: () => number) => Math.exp(Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))],
  ])('100k %s values: every quantile within 0.001 of its rank, at most 1000 centroids', (_, draw) => {
    const r = random(42);
    const values = Array.from({ length: 100_000 }, () => draw(r));
    const sketch = new QuantileSketch();
    for (const v of values) sketch.push(v);
    const sorted = values.sort((a, b) => a - b);
    const rankOf = (x: number) => sorted.filter((v) => v < x).length / sorted.length;
    for (const q of [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]) {
      expect(Math.abs(rankOf(sketch.percentile(q)!) - q), `q=${q}`).toBeLessThanOrEqual(0.001);
    }
    expect(sketch.size()).toBeLessThanOrEqual(1000);
  });
});

describe('the sliding window', () => {
  test('maxAgeSeconds / ageBuckets: values leave the window after maxAgeSeconds', () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    const window = new TimeWindowQuantiles(10, 2);
    window.push(100);
    vi.setSystemTime(6_000);
    window.push(1);
    expect(window.percentile(0.5)).toBe(50.5);
    vi.setSystemTime(11_000);
    expect(window.percentile(0.5)).toBe(1);
    vi.setSystemTime(17_000);
    expect(window.size()).toBe(0);
  });

  test('pruneAgedBuckets drops a label set once its window is empty; without it the set stays at 0', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    const registry = new Registry();
    const pruned = new Summary({ name: 'pruned', help: 'P.', labelNames: ['k'], percentiles: [0.5], maxAgeSeconds: 10, ageBuckets: 2, pruneAgedBuckets: true, registers: [registry] });
    const kept = new Summary({ name: 'kept', help: 'K.', labelNames: ['k'], percentiles: [0.5], maxAgeSeconds: 10, ageBuckets: 2, registers: [registry] });
    pruned.observe({ k: 'a' }, 4);
    kept.observe({ k: 'a' }, 4);
    expect(await registry.metrics()).toBe(
      '# HELP pruned P.\n# TYPE pruned summary\npruned{quantile="0.5",k="a"} 4\npruned_sum{k="a"} 4\npruned_count{k="a"} 1\n\n' +
        '# HELP kept K.\n# TYPE kept summary\nkept{quantile="0.5",k="a"} 4\nkept_sum{k="a"} 4\nkept_count{k="a"} 1\n',
    );
    vi.setSystemTime(21_000);
    expect(await registry.metrics()).toBe(
      '# HELP pruned P.\n# TYPE pruned summary\n\n' + '# HELP kept K.\n# TYPE kept summary\nkept{quantile="0.5",k="a"} 0\nkept_sum{k="a"} 4\nkept_count{k="a"} 1\n',
    );
  });

  test('reset() empties windows, sums and counts but keeps the label sets', async () => {
    const registry = new Registry();
    const s = new Summary({ name: 's', help: 'S.', labelNames: ['k'], percentiles: [0.9], registers: [registry] });
    s.labels('a').observe(3);
    s.reset();
    expect(await registry.metrics()).toBe('# HELP s S.\n# TYPE s summary\ns{quantile="0.9",k="a"} 0\ns_sum{k="a"} 0\ns_count{k="a"} 0\n');
  });

  test('compressCount: compressing every N observations changes no answer on small samples', async () => {
    const registry = new Registry();
    const s = new Summary({ name: 's', help: 'S.', percentiles: [0.5], compressCount: 2, registers: [registry] });
    for (const v of [1, 2, 3, 4, 5]) s.observe(v);
    expect((await s.get()).values).toEqual([
      { labels: { quantile: 0.5 }, value: 3 },
      { metricName: 's_sum', labels: {}, value: 15 },
      { metricName: 's_count', labels: {}, value: 5 },
    ]);
  });
});
