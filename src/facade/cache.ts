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
import { observeCall, safely } from '../record/observe-call.js';
import { OVERFLOW_LABELS } from '../record/labels.js';
import { memoBudget, memoByName } from '../record/memo.js';
import type { BoundCounter, BoundHistogram, FacadeCore, Labels } from '../record/types.js';

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
   * Reads entries and size from the cache at each collection instead of `setEntries`/`setSize`,
   * so they are never stale; a field `read` leaves out is not read. Returns a function that stops
   * reading (the last values read stand until set again).
   */
  observe(read: CacheReader): () => void;
  /**
   * Times `fn` (sync or async) as `operation`, then counts a hit or miss from its result when
   * `options.hit` is given. A thrown error is timed, not counted as hit or miss, and rethrown.
   */
  track<R>(operation: string, fn: () => R, options?: CacheTrackOptions<Awaited<R>>): R;
}

/** What {@link CacheMetrics.observe} reads: the current entry count and size, either optional. */
export interface CacheReader {
  entries?(): number;
  sizeBytes?(): number;
}

/**
 * `cache(name)` returns the same handle for the same name. Past the cardinality limit of cache
 * names (or of operations across all caches), new ones share one handle that records into the
 * `otel_metric_overflow="true"` series; its `name` is {@link OVERFLOW_CACHE_NAME}.
 */
export type CacheFacade = (name: string) => CacheMetrics;

/** The `name` of the shared handle returned past the cardinality limit. */
export const OVERFLOW_CACHE_NAME = 'otel.metric.overflow';

type OperationKey = 'cache.name' | 'cache.operation';

/**
 * The recorders of one operation. Hit and miss counters are bound as a pair, on the first hit or
 * miss or the first `track` with a `hit` predicate: an operation that never looks anything up
 * (`set`, `delete`) gets no zero-valued hit and miss series, while one that does always has both.
 */
interface OperationRecorders {
  readonly labels: Labels<OperationKey>;
  lookups: { readonly hits: BoundCounter; readonly misses: BoundCounter } | undefined;
  readonly duration: BoundHistogram;
}

export function createCacheFacade(core: FacadeCore): CacheFacade {
  const hits = core.counter(CACHE_HITS);
  const misses = core.counter(CACHE_MISSES);
  const evictions = core.counter(CACHE_EVICTIONS);
  const size = core.gauge(CACHE_SIZE);
  const entries = core.gauge(CACHE_ENTRIES);
  const duration = core.histogram(CACHE_OPERATION_DURATION);
  // Two budgets: cache names, and operations across all caches (their series share the hits metric).
  const nameBudget = memoBudget(core.limits);
  const operationBudget = memoBudget(core.limits);
  const bindOperation = (labels: Labels<OperationKey>): OperationRecorders => ({ labels, lookups: undefined, duration: duration.bind(labels) });
  const lookups = (recorder: OperationRecorders) =>
    (recorder.lookups ??= { hits: hits.bind(recorder.labels), misses: misses.bind(recorder.labels) });
  let overflowOperation: OperationRecorders | undefined;
  const overflowRecorders = (): OperationRecorders => (overflowOperation ??= bindOperation(OVERFLOW_LABELS));

  const create = (name: string, fixed: Labels<'cache.name'>, recorders: (operation: string) => OperationRecorders): CacheMetrics => {
    const evicted = evictions.bind(fixed);
    const bytes = size.bind(fixed);
    const count = entries.bind(fixed);
    const { clock } = core;

    return {
      name,
      hit: (operation = DEFAULT_CACHE_OPERATION) => lookups(recorders(operation)).hits.add(1),
      miss: (operation = DEFAULT_CACHE_OPERATION) => lookups(recorders(operation)).misses.add(1),
      evict: (n = 1) => evicted.add(n),
      setSize: (value) => bytes.set(value),
      setEntries: (value) => count.set(value),
      observe(read) {
        const stops = [read.entries && count.observe(read.entries.bind(read)), read.sizeBytes && bytes.observe(read.sizeBytes.bind(read))];
        return () => {
          for (const stop of stops) stop?.();
        };
      },
      track(operation, fn, options = {}) {
        const recorder = recorders(operation);
        const counted = options.hit === undefined ? undefined : lookups(recorder);
        const start = clock.now();
        return observeCall(fn, (outcome) => {
          recorder.duration.record(clock.now() - start);
          if (!outcome.ok || counted === undefined || options.hit === undefined) return;
          const { hit } = options;
          const isHit = safely((value: typeof outcome.value) => Boolean(hit(value)), outcome.value);
          if (isHit !== undefined) (isHit ? counted.hits : counted.misses).add(1);
        });
      },
    };
  };

  return memoByName(
    nameBudget,
    (name) =>
      create(
        name,
        { 'cache.name': name },
        memoByName(operationBudget, (operation) => bindOperation({ 'cache.name': name, 'cache.operation': operation }), overflowRecorders),
      ),
    // Past the limit every new cache shares this handle; all its series are the overflow series.
    () => create(OVERFLOW_CACHE_NAME, OVERFLOW_LABELS, overflowRecorders),
  );
}
