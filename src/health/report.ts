/**
 * The `/metrics/health` view: a status per component (the HTTP server, each HTTP route, LLM
 * provider/model, DB system, circuit breaker, cache) over a sliding window, for people and load
 * balancers.
 *
 * A component leaves green only on evidence: at least `minCalls` calls in the window and an
 * error ratio from the yellow threshold on (red above the red one), or an open breaker. Only
 * critical components can make the service unhealthy (HTTP 503): the HTTP server as a whole and
 * breakers created with `{ critical: true }`. Anything else at red (a rare route, an LLM
 * provider, an optional dependency's breaker) makes the overall status yellow: taking the
 * instance out of rotation would not fix it, and would move its load onto the other instances.
 *
 * Errors are what the metrics already mark: 5xx responses for HTTP, `error.type` on the other
 * semconv durations, `failure` and `timeout` outcomes on breaker calls. Caches have no error
 * signal and report their hit ratio.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { COMPONENT_SOURCES, extractTotals, SlidingWindow, type ComponentKind, type ComponentTotals } from './window.js';
import { definitionSelected, type NameFilter } from '../exposition/name-filter.js';
import type { NamingOptions } from '../naming.js';
import { histogramQuantile } from '../exposition/quantile.js';

export { COMPONENT_KINDS, HTTP_SERVER_COMPONENT, type ComponentKind } from './window.js';

export const HEALTH_SCHEMA = 'promkit.health/v2';
export const HEALTH_STATUSES = ['green', 'yellow', 'red'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface ComponentHealth {
  readonly kind: ComponentKind;
  /** `all routes` (the HTTP server), `GET /users/:id`, `openai/gpt-4o`, `postgresql`, the breaker or cache name. */
  readonly name: string;
  /** This component's own status; a non-critical one at red makes the overall status only yellow. */
  readonly status: HealthStatus;
  /** Whether this component at red makes the service unhealthy (503). */
  readonly critical: boolean;
  /**
   * Why the status is what it is: `breaker open`, `error ratio 0.11 > 0.1 (22 of 200 calls)`, or
   * for a green component with errors, `1 error in 12 calls, below minCalls 20`; null otherwise.
   */
  readonly reason: string | null;
  /** Calls completed in the window. */
  readonly calls: number;
  readonly errors: number;
  /** errors / calls; null when there were no calls in the window. */
  readonly errorRatio: number | null;
  readonly successRatio: number | null;
  readonly meanLatencySeconds: number | null;
  /** `histogram_quantile(0.99, …)` over the window's bucket increases. */
  readonly p99LatencySeconds: number | null;
  /** Circuit breakers: the current state (`closed`, `open`, `half_open`), not windowed. */
  readonly breakerState?: string | null;
  /** Caches: hits / (hits + misses) in the window. */
  readonly hitRatio?: number | null;
}

export interface HealthReport {
  readonly schema: typeof HEALTH_SCHEMA;
  /** False exactly when a critical component is red; the endpoint then answers 503. */
  readonly healthy: boolean;
  /** Red when unhealthy; yellow when any component is yellow or a non-critical one is red; else green. */
  readonly status: HealthStatus;
  /**
   * The HTTP server's 5xx responses over all its requests in the window, as
   * `sum(rate(…{status=~"5.."}[5m])) / sum(rate(…[5m]))` computes it; null without requests.
   */
  readonly httpErrorRatio: number | null;
  readonly timestamp: string;
  /** The configured window. */
  readonly windowSeconds: number;
  /** The span actually covered: from the snapshot at the window's start to the latest collection. */
  readonly observedSeconds: number;
  readonly thresholds: { readonly yellow: number; readonly red: number; readonly minCalls: number };
  readonly components: readonly ComponentHealth[];
}

/** Which components a report covers (the `?name=` filter); default all. */
export type ComponentFilter = (component: ComponentHealth) => boolean;

/** The components computed from any of the named metrics (`?name=db.client.operation.duration`). */
export function componentsFrom(names: NameFilter, naming: NamingOptions = {}): ComponentFilter {
  const selected = new Map<ComponentKind, boolean>();
  return (component) => {
    let hit = selected.get(component.kind);
    if (hit === undefined) {
      hit = COMPONENT_SOURCES[component.kind].some((definition) => definitionSelected(names, definition, naming));
      selected.set(component.kind, hit);
    }
    return hit;
  };
}

export interface HealthTrackerOptions {
  readonly windowSeconds: number;
  readonly minCalls: number;
  readonly yellow: number;
  readonly red: number;
  /** Seconds, monotonic. */
  readonly clock: { now(): number };
}

const RANK: Readonly<Record<HealthStatus, number>> = { green: 0, yellow: 1, red: 2 };

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** `current - base`, or `current` when the total went down (the process's totals were reset). */
function increase(current: number, base: number): number {
  return current >= base ? current - base : current;
}

/** Feeds on every collection ({@link record}) and reports over the window ({@link report}). */
export class HealthTracker {
  readonly #options: HealthTrackerOptions;
  readonly #window: SlidingWindow;

  constructor(options: HealthTrackerOptions) {
    this.#options = options;
    this.#window = new SlidingWindow(options.windowSeconds, options.clock.now());
  }

  /** Takes this collection's totals as a snapshot, at the clock's current time. */
  record(resourceMetrics: ResourceMetrics): void {
    this.#window.add(extractTotals(resourceMetrics, this.#options.clock.now()));
  }

  /**
   * The health over the window ending at the latest recorded collection. With `include`, only the
   * components it accepts are listed and decide `status` and `healthy`.
   */
  report(include?: ComponentFilter): HealthReport {
    const { baseline, latest } = this.#window.ends();
    const components: ComponentHealth[] = [];
    let httpErrorRatio: number | null = null;
    for (const [key, current] of latest.components) {
      const component = this.#component(current, baseline.components.get(key));
      if (component.kind === 'http_server') httpErrorRatio = component.errorRatio;
      if (include === undefined || include(component)) components.push(component);
    }
    components.sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1));
    // A non-critical component counts at most as yellow towards the overall status.
    const status = components.reduce<HealthStatus>((worst, c) => {
      const weight = c.critical || c.status !== 'red' ? c.status : 'yellow';
      return RANK[weight] > RANK[worst] ? weight : worst;
    }, 'green');
    const { windowSeconds, yellow, red, minCalls } = this.#options;
    return {
      schema: HEALTH_SCHEMA,
      healthy: status !== 'red',
      status,
      httpErrorRatio,
      timestamp: new Date().toISOString(),
      windowSeconds,
      observedSeconds: latest.at - baseline.at,
      thresholds: { yellow, red, minCalls },
      components,
    };
  }

  #component(current: ComponentTotals, base: ComponentTotals | undefined): ComponentHealth {
    const reset = base !== undefined && current.calls < base.calls;
    const calls = increase(current.calls, base?.calls ?? 0);
    const errors = reset ? current.errors : Math.max(0, current.errors - (base?.errors ?? 0));
    const sum = reset ? current.sum : current.sum - (base?.sum ?? 0);
    const counts = current.counts.map((count, i) => (reset ? count : Math.max(0, count - (base?.counts[i] ?? 0))));
    const p99 = current.boundaries === undefined ? Number.NaN : histogramQuantile(0.99, current.boundaries, counts);
    const hits = increase(current.hits, base?.hits ?? 0);
    const misses = increase(current.misses, base?.misses ?? 0);
    // A cache used only through hit()/miss() has no durations: its lookups are its calls.
    const effectiveCalls = current.kind === 'cache' && calls === 0 ? hits + misses : calls;
    const errorRatio = ratio(errors, effectiveCalls);
    const { status, reason } = this.#status(effectiveCalls, errors, current.state);
    return {
      kind: current.kind,
      name: current.name,
      status,
      critical: current.kind === 'http_server' || (current.kind === 'circuit_breaker' && current.critical),
      reason,
      calls: effectiveCalls,
      errors,
      errorRatio,
      successRatio: errorRatio === null ? null : 1 - errorRatio,
      meanLatencySeconds: calls > 0 ? sum / calls : null,
      p99LatencySeconds: Number.isFinite(p99) ? p99 : null,
      ...(current.kind === 'circuit_breaker' && { breakerState: current.state ?? null }),
      ...(current.kind === 'cache' && { hitRatio: ratio(hits, hits + misses) }),
    };
  }

  #status(calls: number, errors: number, breakerState: string | undefined): { status: HealthStatus; reason: string | null } {
    const { yellow, red, minCalls } = this.#options;
    // An open breaker is a decision the breaker already made on its own volume threshold.
    if (breakerState === 'open') return { status: 'red', reason: 'breaker open' };
    if (calls === 0 || errors === 0) return { status: 'green', reason: null };
    if (calls < minCalls) {
      return { status: 'green', reason: `${errors} ${errors === 1 ? 'error' : 'errors'} in ${calls} calls, below minCalls ${minCalls}` };
    }
    const errorRatio = errors / calls;
    if (errorRatio < yellow) return { status: 'green', reason: null };
    const rounded = Math.round(errorRatio * 1e4) / 1e4;
    const counts = `(${errors} of ${calls} calls)`;
    if (errorRatio > red) return { status: 'red', reason: `error ratio ${rounded} > ${red} ${counts}` };
    return { status: 'yellow', reason: `error ratio ${rounded} >= ${yellow} ${counts}` };
  }
}

/** The HTTP status a load balancer acts on: 503 when unhealthy (a critical component is red). */
export function healthHttpStatus(report: HealthReport): number {
  return report.healthy ? 200 : 503;
}
