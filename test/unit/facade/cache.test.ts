import { describe, expect, it } from 'vitest';
import { createCacheFacade, type CacheFacade } from '../../../src/facade/cache.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

let t: TestMetrics;
let cache: CacheFacade;

useTestMetrics((fresh) => {
  t = fresh;
  cache = createCacheFacade(fresh.core);
});

const SESSIONS = { 'cache.name': 'sessions' };

describe('cache(name)', () => {
  it('returns the same handle for the same name', () => {
    expect(cache('sessions')).toBe(cache('sessions'));
    expect(cache('sessions')).not.toBe(cache('users'));
    expect(cache('users').name).toBe('users');
  });

  it('counts hits and misses per operation, default get', async () => {
    const c = cache('sessions');
    c.hit();
    c.hit();
    c.hit('get');
    c.miss();
    c.hit('mget');
    expect(await t.getValue('cache.hits', { ...SESSIONS, 'cache.operation': 'get' })).toBe(3);
    expect(await t.getValue('cache.misses', { ...SESSIONS, 'cache.operation': 'get' })).toBe(1);
    expect(await t.getValue('cache.hits', { ...SESSIONS, 'cache.operation': 'mget' })).toBe(1);
    expect(await t.getValue('cache.misses', { ...SESSIONS, 'cache.operation': 'mget' })).toBe(0);
  });

  it('keeps caches apart', async () => {
    cache('a').hit();
    cache('b').miss();
    expect(await t.getValue('cache.hits', { 'cache.name': 'a', 'cache.operation': 'get' })).toBe(1);
    expect(await t.getValue('cache.hits', { 'cache.name': 'b', 'cache.operation': 'get' })).toBe(0);
    expect(await t.getValue('cache.misses', { 'cache.name': 'b', 'cache.operation': 'get' })).toBe(1);
  });

  it('counts evictions (default 1) and sets size and entries as gauges', async () => {
    const c = cache('sessions');
    c.evict();
    c.evict(4);
    c.setSize(1024);
    c.setSize(4096);
    c.setEntries(10);
    c.setEntries(7);
    expect(await t.getValue('cache.evictions', SESSIONS)).toBe(5);
    expect(await t.getValue('cache.size', SESSIONS)).toBe(4096);
    expect(await t.getValue('cache.entries', SESSIONS)).toBe(7);
  });

  it('observe() reads entries and size at each collection, until stopped', async () => {
    const c = cache('sessions');
    const state = { entries: 3, bytes: 300 };
    const stop = c.observe({ entries: () => state.entries, sizeBytes: () => state.bytes });
    expect(await t.getValue('cache.entries', SESSIONS)).toBe(3);
    state.entries = 5;
    state.bytes = 512;
    expect(await t.getValue('cache.entries', SESSIONS)).toBe(5);
    expect(await t.getValue('cache.size', SESSIONS)).toBe(512);
    stop();
    state.entries = 6;
    expect(await t.getValue('cache.entries', SESSIONS)).toBe(5);
    c.setEntries(9);
    expect(await t.getValue('cache.entries', SESSIONS)).toBe(9);
  });

  it('observe() counts a throwing or non-numeric reading as a drop and reports nothing for it', async () => {
    const c = cache('sessions');
    c.observe({
      entries: () => {
        throw new Error('gone');
      },
      sizeBytes: () => Number.NaN,
    });
    expect(await t.getValue('cache.entries', SESSIONS)).toBeUndefined();
    expect(await t.getValue('cache.size', SESSIONS)).toBeUndefined();
    const dropped = (metric: string, reason: string) =>
      t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': reason });
    // One drop per collection: the two reads above and the one that reads the drop counter.
    expect(await dropped('cache.entries', 'callback_error')).toBe(3);
    expect(await dropped('cache.size', 'not_a_number')).toBe(4);
  });

  it('drops a negative eviction count without throwing', async () => {
    const c = cache('sessions');
    c.evict(2);
    expect(() => c.evict(-1)).not.toThrow();
    expect(await t.getValue('cache.evictions', SESSIONS)).toBe(2);
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'cache.evictions', 'promkit.reason': 'negative_increment' })).toBe(1);
  });
});

describe('track', () => {
  it('times a sync operation and returns its value', async () => {
    const c = cache('lru');
    const value = c.track('get', () => {
      t.clock.advance(0.002);
      return 'v';
    });
    expect(value).toBe('v');
    const h = await t.getHistogram('cache.operation.duration', { 'cache.name': 'lru', 'cache.operation': 'get' });
    expect(h).toMatchObject({ count: 1, sum: 0.002 });
    // le: 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 +Inf
    expect(h?.buckets.map((b) => b.count)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // No hit predicate: no hit or miss is counted, and no zero-valued series appears for them.
    expect(await t.getValue('cache.hits', { 'cache.name': 'lru', 'cache.operation': 'get' })).toBeUndefined();
    expect(await t.getValue('cache.misses', { 'cache.name': 'lru', 'cache.operation': 'get' })).toBeUndefined();
  });

  it("track('set') without a hit predicate creates no hit or miss series at all", async () => {
    const c = cache('lru');
    c.track('set', () => undefined);
    c.track('set', () => undefined);
    c.hit();
    const text = await t.scrapeText();
    expect(text).toContain('cache_operation_duration_seconds_count{cache_name="lru",cache_operation="set"} 2');
    expect(text).not.toMatch(/cache_(hits|misses)_total\{[^}]*cache_operation="set"/);
    // A lookup operation still gets both series, so the hit ratio is defined from the first hit.
    expect(text).toContain('cache_hits_total{cache_name="lru",cache_operation="get"} 1');
    expect(text).toContain('cache_misses_total{cache_name="lru",cache_operation="get"} 0');
  });

  it('counts a hit or a miss from the awaited result when asked', async () => {
    const c = cache('redis');
    const store = new Map([['k', 'v']]);
    const lookup = (key: string) =>
      c.track(
        'get',
        async () => {
          t.clock.advance(0.25);
          return store.get(key);
        },
        { hit: (result) => result !== undefined },
      );
    await expect(lookup('k')).resolves.toBe('v');
    await expect(lookup('k')).resolves.toBe('v');
    await expect(lookup('missing')).resolves.toBeUndefined();
    const labels = { 'cache.name': 'redis', 'cache.operation': 'get' };
    expect(await t.getValue('cache.hits', labels)).toBe(2);
    expect(await t.getValue('cache.misses', labels)).toBe(1);
    expect(await t.getHistogram('cache.operation.duration', labels)).toMatchObject({ count: 3, sum: 0.75 });
  });

  it('times a failing operation, counts neither hit nor miss, and rethrows the same error', async () => {
    const c = cache('redis');
    const err = new Error('ECONNRESET');
    await expect(
      c.track(
        'set',
        async () => {
          t.clock.advance(0.5);
          throw err;
        },
        { hit: () => true },
      ),
    ).rejects.toBe(err);
    expect(() =>
      c.track('set', () => {
        throw err;
      }),
    ).toThrow(err);
    const labels = { 'cache.name': 'redis', 'cache.operation': 'set' };
    expect(await t.getHistogram('cache.operation.duration', labels)).toMatchObject({ count: 2, sum: 0.5 });
    expect(await t.getValue('cache.hits', labels)).toBe(0);
  });

  it('survives a throwing hit predicate', async () => {
    const c = cache('x');
    const value = c.track('get', () => 1, {
      hit: () => {
        throw new Error('bad predicate');
      },
    });
    expect(value).toBe(1);
    expect(await t.getHistogram('cache.operation.duration', { 'cache.name': 'x', 'cache.operation': 'get' })).toMatchObject({ count: 1 });
    expect(await t.getValue('cache.hits', { 'cache.name': 'x', 'cache.operation': 'get' })).toBe(0);
    expect(await t.getValue('cache.misses', { 'cache.name': 'x', 'cache.operation': 'get' })).toBe(0);
  });
});
