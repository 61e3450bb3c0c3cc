/**
 * The `/metrics/health` view: a status per component (HTTP route, LLM provider/model, DB
 * system, circuit breaker, cache) over a sliding window, for people and load balancers. A
 * component is red when its failure ratio in the window is above the red threshold or its
 * breaker is open, yellow from the yellow threshold on, green below it; the overall status is
 * the worst component's, and the HTTP status is 503 when it is red, 200 otherwise.
 *
 * Failures are what the metrics already mark: `error.type` on semconv durations, `failure` and
 * `timeout` outcomes on breaker calls. Caches have no failure signal and report hit ratio.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { extractTotals, SlidingWindow, type ComponentKind, type ComponentTotals } from './window.js';
import { histogramQuantile } from '../exposition/quantile.js';

export { COMPONENT_KINDS, type ComponentKind } from './window.js';

export const HEALTH_SCHEMA = 'promkit.health/v1';
export const HEALTH_STATUSES = ['green', 'yellow', 'red'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface ComponentHealth {
  readonly kind: ComponentKind;
  /** `GET /users/:id`, `openai/gpt-4o`, `postgresql`, the breaker or cache name. */
  readonly name: string;
  readonly status: HealthStatus;
  /** Why the status is not green, e.g. `breaker open` or `failure ratio 0.12 > 0.1`. */
  readonly reason: string | null;
  /** Calls completed in the window. */
  readonly calls: number;
  readonly failures: number;
  /** null when there were no calls in the window. */
  readonly successRatio: number | null;
  readonly failureRatio: number | null;
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
  readonly status: HealthStatus;
  readonly timestamp: string;
  /** The configured window. */
  readonly windowSeconds: number;
  /** The span actually covered: from the snapshot at the window's start to the latest collection. */
  readonly observedSeconds: number;
  readonly thresholds: { readonly yellow: number; readonly red: number };
  readonly components: readonly ComponentHealth[];
}

export interface HealthTrackerOptions {
  readonly windowSeconds: number;
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

  /** The health over the window ending at the latest recorded collection. */
  report(): HealthReport {
    const { baseline, latest } = this.#window.ends();
    const components: ComponentHealth[] = [];
    for (const [key, current] of latest.components) {
      components.push(this.#component(current, baseline.components.get(key)));
    }
    components.sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1));
    const status = components.reduce<HealthStatus>((worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst), 'green');
    const { windowSeconds, yellow, red } = this.#options;
    return {
      schema: HEALTH_SCHEMA,
      status,
      timestamp: new Date().toISOString(),
      windowSeconds,
      observedSeconds: latest.at - baseline.at,
      thresholds: { yellow, red },
      components,
    };
  }

  #component(current: ComponentTotals, base: ComponentTotals | undefined): ComponentHealth {
    const reset = base !== undefined && current.calls < base.calls;
    const calls = increase(current.calls, base?.calls ?? 0);
    const failures = reset ? current.failures : Math.max(0, current.failures - (base?.failures ?? 0));
    const sum = reset ? current.sum : current.sum - (base?.sum ?? 0);
    const counts = current.counts.map((count, i) => (reset ? count : Math.max(0, count - (base?.counts[i] ?? 0))));
    const p99 = current.boundaries === undefined ? Number.NaN : histogramQuantile(0.99, current.boundaries, counts);
    const hits = increase(current.hits, base?.hits ?? 0);
    const misses = increase(current.misses, base?.misses ?? 0);
    // A cache used only through hit()/miss() has no durations: its lookups are its calls.
    const effectiveCalls = current.kind === 'cache' && calls === 0 ? hits + misses : calls;
    const failureRatio = ratio(failures, effectiveCalls);
    const { status, reason } = this.#status(failureRatio, current.state);
    return {
      kind: current.kind,
      name: current.name,
      status,
      reason,
      calls: effectiveCalls,
      failures,
      successRatio: failureRatio === null ? null : 1 - failureRatio,
      failureRatio,
      meanLatencySeconds: calls > 0 ? sum / calls : null,
      p99LatencySeconds: Number.isFinite(p99) ? p99 : null,
      ...(current.kind === 'circuit_breaker' && { breakerState: current.state ?? null }),
      ...(current.kind === 'cache' && { hitRatio: ratio(hits, hits + misses) }),
    };
  }

  #status(failureRatio: number | null, breakerState: string | undefined): { status: HealthStatus; reason: string | null } {
    const { yellow, red } = this.#options;
    if (breakerState === 'open') return { status: 'red', reason: 'breaker open' };
    if (failureRatio === null || failureRatio < yellow) return { status: 'green', reason: null };
    const rounded = Math.round(failureRatio * 1e4) / 1e4;
    if (failureRatio > red) return { status: 'red', reason: `failure ratio ${rounded} > ${red}` };
    return { status: 'yellow', reason: `failure ratio ${rounded} >= ${yellow}` };
  }
}

/** The HTTP status a load balancer acts on: 503 when red. */
export function healthHttpStatus(report: HealthReport): number {
  return report.status === 'red' ? 503 : 200;
}
