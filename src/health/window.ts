/**
 * Per-component totals for the health view, taken from each collection and kept over a sliding
 * window. The reader's data are cumulative since start, so the window is a difference: each
 * collection leaves a snapshot of the totals, and a report subtracts the snapshot taken at (or
 * just before) the window's start from the latest one. Precision is therefore the interval
 * between collections (the scrape interval), with no work at all between scrapes.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  CACHE_HITS,
  CACHE_MISSES,
  CACHE_OPERATION_DURATION,
  CIRCUIT_BREAKER_CALL_DURATION,
  CIRCUIT_BREAKER_CRITICAL,
  CIRCUIT_BREAKER_STATE,
  DB_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_OPERATION_DURATION,
  HTTP_SERVER_REQUEST_DURATION,
} from '../catalogue/index.js';
import type { MetricDefinition } from '../catalogue/types.js';
import { sameBoundaries } from '../exposition/buckets.js';

/** `http_server` is the service's own HTTP server as a whole: every request of every route. */
export const COMPONENT_KINDS = ['http_server', 'http_route', 'llm', 'db', 'circuit_breaker', 'cache'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** The name of the one `http_server` component. */
export const HTTP_SERVER_COMPONENT = 'all routes';

/** The catalogue entries each kind of component is computed from; `?name=` selects components by them. */
export const COMPONENT_SOURCES: Readonly<Record<ComponentKind, readonly MetricDefinition[]>> = Object.freeze({
  http_server: [HTTP_SERVER_REQUEST_DURATION],
  http_route: [HTTP_SERVER_REQUEST_DURATION],
  llm: [GEN_AI_CLIENT_OPERATION_DURATION],
  db: [DB_CLIENT_OPERATION_DURATION],
  circuit_breaker: [CIRCUIT_BREAKER_CALL_DURATION, CIRCUIT_BREAKER_STATE, CIRCUIT_BREAKER_CRITICAL],
  cache: [CACHE_OPERATION_DURATION, CACHE_HITS, CACHE_MISSES],
});

/** Cumulative totals of one component at one collection. */
export interface ComponentTotals {
  readonly kind: ComponentKind;
  readonly name: string;
  calls: number;
  errors: number;
  /** Sum of call durations, seconds. */
  sum: number;
  boundaries: readonly number[] | undefined;
  /** Non-cumulative bucket counts, the last for `+Inf`. */
  counts: number[];
  /** Cache lookups. */
  hits: number;
  misses: number;
  /** Circuit breakers: the state whose one-hot series is 1 (current, not windowed). */
  state: string | undefined;
  /** Circuit breakers: `circuit_breaker.critical` is 1 (current, not windowed). */
  critical: boolean;
}

export interface Snapshot {
  /** Clock seconds. */
  readonly at: number;
  readonly components: ReadonlyMap<string, ComponentTotals>;
}

/** Where a component's calls are read from: the metric, its component name, and whether a call failed. */
interface CallSource {
  readonly kind: ComponentKind;
  readonly name: (a: Attributes) => string;
  /** True for an error, false for a success, undefined for a point that is not a call. */
  readonly failed: (a: Attributes) => boolean | undefined;
  /** Also counts every call into this component (the HTTP server as a whole). */
  readonly total?: { readonly kind: ComponentKind; readonly name: string };
}

const text = (value: unknown, fallback: string) => (value === undefined || value === null || value === '' ? fallback : String(value));
/** `error.type` is how every semconv duration marks a failed operation (5xx, exceptions, timeouts). */
const hasError = (a: Attributes) => a['error.type'] !== undefined;
/**
 * A server error is a 5xx response, as the usual `status=~"5.."` ratio counts it; a request
 * with no status at all failed when it carries `error.type`. A client that hung up (`error.type`
 * `aborted` on a 200) is not the server's error.
 */
const serverError = (a: Attributes) => {
  const status = a['http.response.status_code'];
  return status === undefined || status === null ? hasError(a) : Number(status) >= 500;
};

/** Keyed by the catalogue's OpenTelemetry names, so a renamed entry cannot leave health reading nothing. */
const CALL_SOURCES: ReadonlyMap<string, CallSource> = new Map<string, CallSource>([
  [
    HTTP_SERVER_REQUEST_DURATION.name,
    {
      kind: 'http_route',
      name: (a) => `${text(a['http.request.method'], '_OTHER')} ${text(a['http.route'], '(no route)')}`,
      failed: serverError,
      total: { kind: 'http_server', name: HTTP_SERVER_COMPONENT },
    },
  ],
  [
    GEN_AI_CLIENT_OPERATION_DURATION.name,
    { kind: 'llm', name: (a) => `${text(a['gen_ai.provider.name'], 'unknown')}/${text(a['gen_ai.request.model'], 'unknown')}`, failed: hasError },
  ],
  [DB_CLIENT_OPERATION_DURATION.name, { kind: 'db', name: (a) => text(a['db.system.name'], 'unknown'), failed: hasError }],
  [
    CIRCUIT_BREAKER_CALL_DURATION.name,
    {
      kind: 'circuit_breaker',
      name: (a) => text(a['circuit_breaker.name'], 'unknown'),
      // As the breaker's own failure rate: rejected and fallback calls never reached the service.
      failed: (a) => {
        const outcome = a['circuit_breaker.outcome'];
        return outcome === 'success' ? false : outcome === 'failure' || outcome === 'timeout' ? true : undefined;
      },
    },
  ],
  [CACHE_OPERATION_DURATION.name, { kind: 'cache', name: (a) => text(a['cache.name'], 'unknown'), failed: hasError }],
]);

function componentKey(kind: ComponentKind, name: string): string {
  return `${kind}\u0000${name}`;
}

function totalsFor(components: Map<string, ComponentTotals>, kind: ComponentKind, name: string): ComponentTotals {
  const key = componentKey(kind, name);
  let totals = components.get(key);
  if (totals === undefined) {
    totals = { kind, name, calls: 0, errors: 0, sum: 0, boundaries: undefined, counts: [], hits: 0, misses: 0, state: undefined, critical: false };
    components.set(key, totals);
  }
  return totals;
}

function addCalls(totals: ComponentTotals, histogram: Histogram, failed: boolean): void {
  totals.calls += histogram.count;
  if (failed) totals.errors += histogram.count;
  totals.sum += histogram.sum ?? 0;
  const { boundaries, counts } = histogram.buckets;
  if (totals.boundaries === undefined) {
    totals.boundaries = boundaries;
    totals.counts = counts.slice();
  } else if (sameBoundaries(totals.boundaries, boundaries)) {
    for (let i = 0; i < counts.length; i++) totals.counts[i] = (totals.counts[i] ?? 0) + (counts[i] ?? 0);
  }
}

/** The per-component totals in one collection. */
export function extractTotals(resourceMetrics: ResourceMetrics, at: number): Snapshot {
  const components = new Map<string, ComponentTotals>();
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    for (const metric of scopeMetrics.metrics) {
      const name = metric.descriptor.name;
      const source = CALL_SOURCES.get(name);
      if (source !== undefined && metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints) {
          const failed = source.failed(point.attributes);
          if (failed === undefined) continue;
          addCalls(totalsFor(components, source.kind, source.name(point.attributes)), point.value, failed);
          if (source.total !== undefined) addCalls(totalsFor(components, source.total.kind, source.total.name), point.value, failed);
        }
      } else if ((name === CACHE_HITS.name || name === CACHE_MISSES.name) && metric.dataPointType === DataPointType.SUM) {
        for (const point of metric.dataPoints) {
          const totals = totalsFor(components, 'cache', text(point.attributes['cache.name'], 'unknown'));
          if (name === CACHE_HITS.name) totals.hits += point.value;
          else totals.misses += point.value;
        }
      } else if (name === CIRCUIT_BREAKER_STATE.name && metric.dataPointType === DataPointType.GAUGE) {
        for (const point of metric.dataPoints) {
          if (point.value !== 1) continue;
          const totals = totalsFor(components, 'circuit_breaker', text(point.attributes['circuit_breaker.name'], 'unknown'));
          totals.state = text(point.attributes['circuit_breaker.state'], 'unknown');
        }
      } else if (name === CIRCUIT_BREAKER_CRITICAL.name && metric.dataPointType === DataPointType.GAUGE) {
        for (const point of metric.dataPoints) {
          if (point.value !== 1) continue;
          totalsFor(components, 'circuit_breaker', text(point.attributes['circuit_breaker.name'], 'unknown')).critical = true;
        }
      }
    }
  }
  return { at, components };
}

/**
 * Snapshots over a sliding window. Memory is bounded: snapshots closer together than 1/120 of
 * the window replace each other, and those older than the window's baseline are dropped.
 */
export class SlidingWindow {
  readonly #windowSeconds: number;
  /** Starts with an empty snapshot: before the first collection every total was zero. */
  #snapshots: Snapshot[];

  constructor(windowSeconds: number, startedAt: number) {
    this.#windowSeconds = windowSeconds;
    this.#snapshots = [{ at: startedAt, components: new Map() }];
  }

  add(snapshot: Snapshot): void {
    const snapshots = this.#snapshots;
    const previous = snapshots.at(-2);
    if (snapshots.length >= 2 && previous !== undefined && snapshot.at - previous.at < this.#windowSeconds / 120) {
      snapshots[snapshots.length - 1] = snapshot;
    } else {
      snapshots.push(snapshot);
    }
    const start = this.#baselineIndex(snapshot.at);
    if (start > 0) this.#snapshots = snapshots.slice(start);
  }

  /** The latest snapshot and the one the window is measured from. */
  ends(): { readonly baseline: Snapshot; readonly latest: Snapshot } {
    const snapshots = this.#snapshots;
    const latest = snapshots.at(-1) ?? { at: 0, components: new Map() };
    const baseline = snapshots[this.#baselineIndex(latest.at)] ?? latest;
    return { baseline, latest };
  }

  /** The last snapshot taken at or before the window start (the first one if none is). */
  #baselineIndex(now: number): number {
    const windowStart = now - this.#windowSeconds;
    let index = 0;
    for (let i = 0; i < this.#snapshots.length; i++) {
      if ((this.#snapshots[i]?.at ?? Infinity) <= windowStart) index = i;
    }
    return index;
  }
}
