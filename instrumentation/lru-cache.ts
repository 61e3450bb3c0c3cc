/**
 * Cache metrics for an `lru-cache` instance without per-call code: hits and misses of `get`,
 * `has` and `fetch`, sets (the count of `cache.operation.duration{cache.operation="set"}`),
 * evictions, and entries and size read at each scrape. lru-cache is not a dependency: the cache
 * is described by the few members the adapter uses (v7.10 to v11).
 *
 * lru-cache keeps `dispose` in a private field fixed at construction, so an adapter applied to
 * an existing cache cannot hook it. Evictions are instead read from each write's outcome: a
 * `set` (or a `fetch` that starts loading a new key) that leaves the cache with fewer entries
 * than it had plus the one it added removed the difference to make room, exactly the entries
 * lru-cache passes to `dispose` with reason `evict`; `pop()` counts the entry it removes.
 * Expired (`expire`), deleted and replaced entries are not evictions. Your own `dispose` and
 * `disposeAfter` are untouched and keep running.
 */
import type { CacheFacade, CacheMetrics } from '../src/facade/cache.js';
import { metrics as defaultMetrics } from '../src/facade/metrics.js';

/** lru-cache's `status` object, as far as the adapter reads it. */
interface Status {
  set?: string;
  fetch?: string;
}

type Options = { status?: Status } & Record<string, unknown>;

/** The part of an lru-cache `LRUCache` (v7.10 to v11) the adapter relies on. */
export interface LruCacheLike<K = unknown, V = unknown> {
  get(key: K, options?: never): V | undefined;
  has(key: K, options?: never): boolean;
  set(key: K, value: V, options?: never): unknown;
  fetch?(key: K, options?: never): Promise<V | undefined>;
  pop?(): V | undefined;
  readonly size: number;
  /** Total of entry sizes; tracked only when `maxSize` or `maxEntrySize` is set. */
  readonly calculatedSize?: number;
  readonly maxEntrySize?: number;
}

export interface InstrumentLruCacheOptions {
  /** Where to record: default promkit's `metrics`; or `createMetrics(...)`, or anything with `cache(name)`. */
  readonly metrics?: { readonly cache: CacheFacade };
}

const WRAPPED = ['get', 'has', 'set', 'fetch', 'pop'] as const;
type Wrapped = (typeof WRAPPED)[number];
type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** The status to pass down: the caller's own if given (read after the call), else a fresh one. */
function withStatus(options: unknown): Options {
  if (options === undefined || options === null) return { status: {} };
  const given = options as Options;
  return given.status !== undefined ? given : { ...given, status: {} };
}

/**
 * Records `cache` as `cache.name` = `name` by wrapping its `get`, `has`, `set`, `fetch` and `pop`
 * on the instance (what the caller gets back is unchanged), and reads `size` (entries) and
 * `calculatedSize` (`cache.size`, in the units your `sizeCalculation` returns: bytes if it
 * measures bytes; only when `maxSize` or `maxEntrySize` is set) at each collection.
 *
 * - `get` and `has`: a hit when an entry was returned or found, else a miss (stale entries
 *   lru-cache does not return are misses).
 * - `fetch`: timed (including the load); a hit only when lru-cache served it from the cache.
 * - `set`: timed, so the duration count is the number of sets; evictions it caused are counted.
 *
 * @returns `restore`, which puts the cache's own methods back and stops reading it (idempotent).
 */
export function instrumentLruCache<K, V>(
  cache: LruCacheLike<K, V>,
  name: string,
  options: InstrumentLruCacheOptions = {},
): () => void {
  const metrics: CacheMetrics = (options.metrics ?? defaultMetrics).cache(name);
  const target = cache as unknown as Record<Wrapped, AnyMethod | undefined>;
  const original = Object.fromEntries(WRAPPED.map((method) => [method, target[method]])) as Record<Wrapped, AnyMethod | undefined>;
  // Keys whose value a fetch is still loading: a `set` over one replaces a placeholder that
  // already holds a slot, so it adds no entry even though lru-cache reports it as an `add`.
  const loading = new Map<unknown, number>();
  const evictedBy = (before: number, added: number): void => {
    const evicted = before + added - cache.size;
    if (evicted > 0) metrics.evict(evicted);
  };

  const wrappers: Partial<Record<Wrapped, AnyMethod>> = {
    get(this: unknown, key, getOptions) {
      const value = original.get!.call(this, key, getOptions);
      if (value === undefined) metrics.miss('get');
      else metrics.hit('get');
      return value;
    },
    has(this: unknown, key, hasOptions) {
      const found = original.has!.call(this, key, hasOptions);
      if (found) metrics.hit('has');
      else metrics.miss('has');
      return found;
    },
    set(this: unknown, key, value, setOptions) {
      const passed = withStatus(setOptions);
      const before = cache.size;
      const result = metrics.track('set', () => original.set!.call(this, key, value, passed));
      const outcome = passed.status?.set;
      if (outcome === 'add') evictedBy(before, loading.has(key) ? 0 : 1);
      else if (outcome === 'replace' || outcome === 'update') evictedBy(before, 0);
      return result;
    },
  };
  if (original.fetch !== undefined) {
    wrappers.fetch = function (this: unknown, key, fetchOptions) {
      const passed = withStatus(fetchOptions);
      const before = cache.size;
      let started = false;
      const result = metrics.track(
        'fetch',
        () => {
          const promise = original.fetch!.call(this, key, passed) as Promise<unknown>;
          // A miss inserts a placeholder for the key at once, which may evict to make room.
          if (passed.status?.fetch === 'miss') {
            started = true;
            loading.set(key, (loading.get(key) ?? 0) + 1);
            evictedBy(before, 1);
          }
          return promise;
        },
        { hit: () => passed.status?.fetch === 'hit' },
      ) as Promise<unknown>;
      if (!started) return result;
      const done = (): void => {
        const left = (loading.get(key) ?? 1) - 1;
        if (left > 0) loading.set(key, left);
        else loading.delete(key);
      };
      result.then(done, done);
      return result;
    };
  }
  if (original.pop !== undefined) {
    wrappers.pop = function (this: unknown) {
      const before = cache.size;
      const value = original.pop!.call(this);
      evictedBy(before, 0);
      return value;
    };
  }

  for (const [method, wrapper] of Object.entries(wrappers)) {
    Object.defineProperty(cache, method, { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
  const tracksSize = typeof cache.maxEntrySize === 'number' && cache.maxEntrySize > 0;
  const stopReading = metrics.observe({
    entries: () => cache.size,
    ...(tracksSize && { sizeBytes: () => cache.calculatedSize ?? 0 }),
  });

  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    stopReading();
    for (const [method, wrapper] of Object.entries(wrappers)) {
      const own = Object.getOwnPropertyDescriptor(cache, method);
      // Only remove what is still ours; someone may have wrapped the method after us.
      if (own?.value === wrapper) delete (cache as unknown as Record<string, unknown>)[method];
    }
  };
}
