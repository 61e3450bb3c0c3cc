/**
 * Cache metrics, one handle per named cache. Labels are fixed per cache (and per operation), so
 * every recorder is bound once and the hot path is a bound `add`/`record`. Hit ratio is left to
 * PromQL (`rate(cache_hits_total[5m]) / (rate(cache_hits_total[5m]) + rate(cache_misses_total[5m]))`).
 */
import {
  CACHE_ENTRIES,
  CACHE_EVICTIONS,
  CACHE_HITS,
  CACHE_MISSES,
  CACHE_OPERATION_DURATION,
  CACHE_SIZE,
} from '../catalogue/cache.js';
import { observeCall, safely } from './observe-call.js';
import type { BoundCounter, BoundHistogram, FacadeCore } from './types.js';

/** The `cache.operation` of `hit()` and `miss()` when none is given. */
export const DEFAULT_CACHE_OPERATION = 'get';

export interface CacheTrackOptions<R> {
  /** Decides from the result whether the lookup hit; without it no hit or miss is counted. */
  readonly hit?: (result: R) => boolean;
}

/** Metrics of one cache. Keep `operation` to a handful of verbs (`get`, `set`, `delete`). */
export interface CacheMetrics {
  readonly name: string;
  hit(operation?: string): void;
  miss(operation?: string): void;
  evict(count?: number): void;
  setSize(bytes: number): void;
  setEntries(count: number): void;
  /**
   * Times `fn` (sync or async) as `operation`, then counts a hit or miss from its result when
   * `options.hit` is given. A thrown error is timed, not counted as hit or miss, and rethrown.
   */
  track<R>(operation: string, fn: () => R, options?: CacheTrackOptions<Awaited<R>>): R;
}

/** `cache(name)` returns the same handle for the same name. */
export type CacheFacade = (name: string) => CacheMetrics;

interface OperationRecorders {
  readonly hits: BoundCounter;
  readonly misses: BoundCounter;
  readonly duration: BoundHistogram;
}

export function createCacheFacade(core: FacadeCore): CacheFacade {
  const hits = core.counter(CACHE_HITS);
  const misses = core.counter(CACHE_MISSES);
  const evictions = core.counter(CACHE_EVICTIONS);
  const size = core.gauge(CACHE_SIZE);
  const entries = core.gauge(CACHE_ENTRIES);
  const duration = core.histogram(CACHE_OPERATION_DURATION);
  const caches = new Map<string, CacheMetrics>();

  const create = (name: string): CacheMetrics => {
    const byOperation = new Map<string, OperationRecorders>();
    const recorders = (operation: string): OperationRecorders => {
      let found = byOperation.get(operation);
      if (found === undefined) {
        const labels = { 'cache.name': name, 'cache.operation': operation };
        found = { hits: hits.bind(labels), misses: misses.bind(labels), duration: duration.bind(labels) };
        byOperation.set(operation, found);
      }
      return found;
    };
    const fixed = { 'cache.name': name };
    const evicted = evictions.bind(fixed);
    const bytes = size.bind(fixed);
    const count = entries.bind(fixed);
    const { clock } = core;

    return {
      name,
      hit: (operation = DEFAULT_CACHE_OPERATION) => recorders(operation).hits.add(1),
      miss: (operation = DEFAULT_CACHE_OPERATION) => recorders(operation).misses.add(1),
      evict: (n = 1) => evicted.add(n),
      setSize: (value) => bytes.set(value),
      setEntries: (value) => count.set(value),
      track(operation, fn, options = {}) {
        const recorder = recorders(operation);
        const start = clock.now();
        return observeCall(fn, (outcome) => {
          recorder.duration.record(clock.now() - start);
          if (!outcome.ok || options.hit === undefined) return;
          const { hit } = options;
          const isHit = safely((value: typeof outcome.value) => Boolean(hit(value)), outcome.value);
          if (isHit !== undefined) (isHit ? recorder.hits : recorder.misses).add(1);
        });
      },
    };
  };

  return (name) => {
    let cache = caches.get(name);
    if (cache === undefined) {
      cache = create(name);
      caches.set(name, cache);
    }
    return cache;
  };
}
