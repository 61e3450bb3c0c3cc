import { LRUCache } from 'lru-cache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instrumentLruCache } from '../../../instrumentation/lru-cache.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
beforeEach(() => {
  t = createTestMetrics();
});
afterEach(() => t.shutdown());

const op = (name: string, operation: string) => ({ 'cache.name': name, 'cache.operation': operation });
const hits = (name: string, operation: string) => t.getValue('cache.hits', op(name, operation));
const misses = (name: string, operation: string) => t.getValue('cache.misses', op(name, operation));
const sets = async (name: string) => (await t.getHistogram('cache.operation.duration', op(name, 'set')))?.count;
const evictions = (name: string) => t.getValue('cache.evictions', { 'cache.name': name });

/** A cache whose own dispose logs every reason, so the adapter's count can be checked against lru-cache's. */
function loggedCache<V extends {}>(options: LRUCache.Options<string, V, unknown>) {
  const reasons: string[] = [];
  const cache = new LRUCache<string, V>({ ...options, dispose: (_value, _key, reason) => void reasons.push(reason) } as LRUCache.Options<string, V, unknown>);
  const evicted = () => reasons.filter((reason) => reason === 'evict').length;
  return { cache, reasons, evicted };
}

describe('instrumentLruCache', () => {
  it('counts get and has hits and misses, sets, and reads entries at each collection', async () => {
    const cache = new LRUCache<string, string>({ max: 10 });
    instrumentLruCache(cache, 'sessions', { metrics: t.metrics });
    cache.set('a', '1');
    cache.set('b', '2');
    cache.set('a', '3');
    expect(cache.get('a')).toBe('3');
    expect(cache.get('a')).toBe('3');
    expect(cache.get('zzz')).toBeUndefined();
    expect(cache.has('b')).toBe(true);
    expect(cache.has('nope')).toBe(false);
    expect(cache.has('nope')).toBe(false);

    expect([await hits('sessions', 'get'), await misses('sessions', 'get')]).toEqual([2, 1]);
    expect([await hits('sessions', 'has'), await misses('sessions', 'has')]).toEqual([1, 2]);
    expect(await sets('sessions')).toBe(3);
    expect(await hits('sessions', 'set')).toBeUndefined();
    expect(await misses('sessions', 'set')).toBeUndefined();
    expect(await t.getValue('cache.entries', { 'cache.name': 'sessions' })).toBe(2);
    cache.delete('a');
    expect(await t.getValue('cache.entries', { 'cache.name': 'sessions' })).toBe(1);
    // No maxSize or maxEntrySize: lru-cache tracks no sizes, so none is reported.
    expect(await t.getValue('cache.size', { 'cache.name': 'sessions' })).toBeUndefined();
    expect(await evictions('sessions')).toBe(0);
  });

  it("counts exactly the entries lru-cache disposes with reason 'evict' in a max-bound cache, and keeps the user's dispose", async () => {
    const { cache, reasons, evicted } = loggedCache<number>({ max: 3 });
    instrumentLruCache(cache, 'lru', { metrics: t.metrics });
    for (let i = 0; i < 7; i++) cache.set(`k${i}`, i); // 4 evictions
    cache.set('k6', 60); // replace: dispose 'set', not an eviction
    cache.set('k6', 60); // same value: update
    cache.delete('k5'); // dispose 'delete'
    expect(cache.pop()).toBe(4); // lru-cache disposes a popped entry with reason 'evict'
    cache.set('x', 1);
    cache.set('y', 2); // full again (k6, x, y)
    cache.set('z', 3); // evicts k6

    expect(evicted()).toBe(6);
    expect(reasons.filter((r) => r !== 'evict').sort()).toEqual(['delete', 'set']);
    expect(await evictions('lru')).toBe(6);
    expect(await sets('lru')).toBe(12);
    expect(await t.getValue('cache.entries', { 'cache.name': 'lru' })).toBe(3);
  });

  it('counts size-driven evictions (several per set, and by a growing replacement) and reports the calculated size', async () => {
    const { cache, evicted } = loggedCache<string>({ maxSize: 10, sizeCalculation: (value) => value.length });
    instrumentLruCache(cache, 'blobs', { metrics: t.metrics });
    cache.set('a', 'xxx'); // 3
    cache.set('b', 'xxx'); // 6
    cache.set('c', 'xxx'); // 9
    cache.set('d', 'xxxxxxx'); // 7: evicts a and b, so that 3 + 7 fits
    expect(cache.calculatedSize).toBe(10);
    cache.set('e', 'xx'); // evicts c: 7 + 2
    cache.set('e', 'xxxxx'); // the replacement grows to 5: evicts d
    cache.set('huge', 'x'.repeat(11)); // larger than maxEntrySize: not stored, not an eviction

    expect(evicted()).toBe(4);
    expect(await evictions('blobs')).toBe(4);
    expect(await t.getValue('cache.size', { 'cache.name': 'blobs' })).toBe(5);
    expect(await t.getValue('cache.entries', { 'cache.name': 'blobs' })).toBe(1);
  });

  it('times fetch, counts a hit only when served from the cache, and counts evictions a loading fetch causes', async () => {
    const loads: string[] = [];
    const { cache, evicted } = loggedCache<string>({
      max: 2,
      fetchMethod: async (key: string) => {
        loads.push(key);
        return `value of ${key}`;
      },
    });
    instrumentLruCache(cache, 'remote', { metrics: t.metrics });
    expect(await cache.fetch('a')).toBe('value of a');
    expect(await cache.fetch('a')).toBe('value of a');
    expect(await cache.fetch('b')).toBe('value of b');
    expect(await cache.fetch('c')).toBe('value of c'); // its placeholder evicts a
    expect(loads).toEqual(['a', 'b', 'c']);

    expect([await hits('remote', 'fetch'), await misses('remote', 'fetch')]).toEqual([1, 3]);
    expect((await t.getHistogram('cache.operation.duration', op('remote', 'fetch')))?.count).toBe(4);
    expect(evicted()).toBe(1);
    expect(await evictions('remote')).toBe(1);
  });

  it('does not count an eviction when a set replaces the placeholder of a fetch still loading', async () => {
    let release: (value: string) => void = () => undefined;
    const { cache, evicted } = loggedCache<string>({
      max: 3,
      fetchMethod: () => new Promise<string>((resolve) => (release = resolve)),
    });
    instrumentLruCache(cache, 'remote', { metrics: t.metrics });
    const pending = cache.fetch('k');
    cache.set('k', 'set while loading');
    release('loaded');
    await pending.catch(() => undefined);
    expect(cache.get('k')).toBe('set while loading');
    expect(evicted()).toBe(0);
    expect(await evictions('remote')).toBe(0);
  });

  it('passes a caller-supplied status through and leaves what the caller gets unchanged', async () => {
    const cache = new LRUCache<string, number>({ max: 1 });
    instrumentLruCache(cache, 'c', { metrics: t.metrics });
    const status: LRUCache.Status<string, number> = {};
    expect(cache.set('a', 1, { status })).toBe(cache);
    expect(status.set).toBe('add');
    cache.set('b', 2, { ttl: 0 }); // options without a status: lru-cache still sees them
    expect(await evictions('c')).toBe(1);
    expect(cache.get('b')).toBe(2);
  });

  it('restore() puts the original methods back and stops counting; it is idempotent', async () => {
    const cache = new LRUCache<string, number>({ max: 5 });
    const restore = instrumentLruCache(cache, 'c', { metrics: t.metrics });
    cache.get('a');
    restore();
    restore();
    expect(Object.getOwnPropertyNames(cache).filter((n) => ['get', 'has', 'set', 'fetch', 'pop'].includes(n))).toEqual([]);
    expect(cache.get).toBe(LRUCache.prototype.get);
    cache.get('a');
    cache.set('a', 1);
    expect(await misses('c', 'get')).toBe(1);
    expect(await sets('c')).toBeUndefined();
  });
});
