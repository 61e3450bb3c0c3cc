/**
 * Circuit-breaker metrics in the shape of resilience4j: calls by outcome, a one-hot state gauge
 * (alert with `circuit_breaker_state{circuit_breaker_state="open"} == 1`), transitions and
 * a rolling failure rate. Works for any breaker; `instrumentation/opossum.ts` wires opossum.
 */
import {
  BREAKER_STATES,
  CIRCUIT_BREAKER_CALL_DURATION,
  CIRCUIT_BREAKER_CRITICAL,
  CIRCUIT_BREAKER_FAILURE_RATE,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_BREAKER_TRANSITIONS,
  BREAKER_OUTCOMES,
} from '../catalogue/circuit-breaker.js';
import { describeValue } from '../record/drops.js';
import { OVERFLOW_LABELS } from '../record/labels.js';
import { memoBudget, memoByName } from '../record/memo.js';
import type { ObserveResult } from '../record/observable.js';
import { observeCall } from '../record/observe-call.js';
import type { BoundCounter, BoundGauge, BoundHistogram, Counter, FacadeCore, Gauge, Histogram } from '../record/types.js';

export type BreakerOutcome = (typeof BREAKER_OUTCOMES)[number];
export type BreakerState = (typeof BREAKER_STATES)[number];

/**
 * One call through the breaker. Rejected and fallback calls did not run the protected function
 * to completion, so their duration is optional and defaults to 0 (they still count in `_count`).
 */
export type BreakerCall =
  | { readonly outcome: 'success' | 'failure' | 'timeout'; readonly durationS: number }
  | { readonly outcome: 'rejected' | 'fallback'; readonly durationS?: number };

/**
 * The failure-rate window: the most recent `maxCalls` calls that are no older than `maxAgeS`
 * seconds, whichever is fewer. Defaults: 100 calls, 60 s.
 */
export interface FailureRateWindow {
  readonly maxCalls?: number;
  readonly maxAgeS?: number;
}

export const DEFAULT_FAILURE_RATE_WINDOW = Object.freeze({ maxCalls: 100, maxAgeS: 60 });

export interface CircuitBreakerOptions {
  readonly window?: FailureRateWindow;
  /**
   * The service cannot work without this breaker's dependency, default false. Exported as
   * `circuit_breaker.critical` (1 or 0); `/metrics/health` answers 503 while a critical breaker
   * is open, and only turns yellow for an open optional one.
   */
  readonly critical?: boolean;
}

export interface CircuitBreakerMetrics {
  readonly name: string;
  /**
   * Records the call's duration by outcome and updates the failure rate: `failure` and `timeout`
   * count as failures, `success` as a success; `rejected` and `fallback` are not in the rate (a
   * fallback follows a failure already counted; a rejection never reached the service).
   */
  recordCall(call: BreakerCall): void;
  /** Times `fn` (sync or async) as `success`, or `failure` when it throws; returns or rethrows as `fn` does. */
  track<R>(fn: () => R): R;
  /**
   * Sets the one-hot state gauge: the given state's series to 1, the other two to 0 (the first
   * call writes all three). A change of state also counts one transition from the previous state.
   */
  setState(state: BreakerState): void;
  /** The last state set, if any. */
  readonly state: BreakerState | undefined;
  /**
   * The failure rate over the window now (0..1): 0 once the window has emptied, undefined before
   * the first success or failure. The `circuit_breaker.failure_rate` gauge reads the same at
   * each collection.
   */
  readonly failureRate: number | undefined;
  /** As created with `{ critical }`. */
  readonly critical: boolean;
}

/**
 * `circuitBreaker(name)` returns the same handle for the same name; `options` apply only when the
 * handle is first created. Past the cardinality limit of breaker names, new names share one
 * handle whose calls and transitions go to the `otel_metric_overflow="true"` series (its state,
 * criticality and failure rate are not written: one series cannot stand for many breakers).
 */
export type CircuitBreakerFacade = (name: string, options?: CircuitBreakerOptions) => CircuitBreakerMetrics;

type NameKey = 'circuit_breaker.name';
interface Instruments {
  readonly duration: Histogram<NameKey | 'circuit_breaker.outcome'>;
  readonly state: Gauge<NameKey | 'circuit_breaker.state'>;
  readonly critical: Gauge<NameKey>;
  readonly transitions: Counter<NameKey | 'circuit_breaker.from_state' | 'circuit_breaker.to_state'>;
}

/** Failures over the window, kept incrementally; old entries fall off by count and by age. */
class FailureWindow {
  private readonly calls: { at: number; failed: boolean }[] = [];
  private failures = 0;

  constructor(
    private readonly maxCalls: number,
    private readonly maxAgeS: number,
  ) {}

  add(at: number, failed: boolean): void {
    this.calls.push({ at, failed });
    if (failed) this.failures++;
  }

  /** Failure share of the calls still in the window at `now`, or undefined when it is empty. */
  rate(now: number): number | undefined {
    while (this.calls.length > 0) {
      const oldest = this.calls[0];
      if (oldest === undefined || (this.calls.length <= this.maxCalls && now - oldest.at <= this.maxAgeS)) break;
      this.calls.shift();
      if (oldest.failed) this.failures--;
    }
    return this.calls.length === 0 ? undefined : this.failures / this.calls.length;
  }
}

interface CreatedBreaker {
  readonly metrics: CircuitBreakerMetrics;
  /** Reports the failure rate at collection time (nothing before the first success or failure). */
  observeRate(result: ObserveResult<NameKey>): void;
}

function createBreaker(
  name: string,
  core: FacadeCore,
  instruments: Instruments,
  window: Required<FailureRateWindow>,
  critical: boolean,
  overflow = false,
): CreatedBreaker {
  const { clock } = core;
  const at = <T extends object>(labels: T): T => (overflow ? (OVERFLOW_LABELS as T) : labels);
  const byOutcome = new Map<BreakerOutcome, BoundHistogram>();
  const durationFor = (outcome: BreakerOutcome): BoundHistogram => {
    let bound = byOutcome.get(outcome);
    if (bound === undefined) {
      bound = instruments.duration.bind(at({ 'circuit_breaker.name': name, 'circuit_breaker.outcome': outcome }));
      byOutcome.set(outcome, bound);
    }
    return bound;
  };
  const stateSeries = new Map<BreakerState, BoundGauge>(
    (overflow ? [] : BREAKER_STATES).map((state) => [
      state,
      instruments.state.bind({ 'circuit_breaker.name': name, 'circuit_breaker.state': state }),
    ]),
  );
  // The overflow handle stands for many breakers: its criticality and rate would mean nothing.
  if (!overflow) instruments.critical.bind({ 'circuit_breaker.name': name }).set(critical ? 1 : 0);
  const rateLabels = { 'circuit_breaker.name': name };
  // Every transition series exists from the start at 0, so increase() and rate() see the first one.
  const transitions = new Map<string, BoundCounter>();
  for (const from of BREAKER_STATES) {
    for (const to of BREAKER_STATES) {
      if (from === to) continue;
      const labels = { 'circuit_breaker.name': name, 'circuit_breaker.from_state': from, 'circuit_breaker.to_state': to };
      transitions.set(`${from}>${to}`, instruments.transitions.bind(at(labels)));
    }
  }
  const failures = new FailureWindow(window.maxCalls, window.maxAgeS);
  let current: BreakerState | undefined;
  let counted = false;
  // Computed when read, not when recorded: a value stored at the last call would go stale once
  // calls stop, and keep a failure-rate alert firing on an idle breaker.
  const rateNow = (): number | undefined => (counted ? (failures.rate(clock.now()) ?? 0) : undefined);

  const recordCall = (call: BreakerCall): void => {
    // An unknown outcome would become a new label value; it is refused like any bad measurement.
    const outcome: unknown = call?.outcome;
    if (!isOutcome(outcome)) {
      const detail = `outcome ${describeValue(outcome)} (use ${BREAKER_OUTCOMES.join(', ')})`;
      return core.dropMeasurement(CIRCUIT_BREAKER_CALL_DURATION.name, 'invalid_label_value', detail);
    }
    durationFor(call.outcome).record(call.durationS ?? 0);
    if (call.outcome === 'success' || call.outcome === 'failure' || call.outcome === 'timeout') {
      failures.add(clock.now(), call.outcome !== 'success');
      counted = true;
    }
  };

  const metrics: CircuitBreakerMetrics = {
    name,
    recordCall,
    track(fn) {
      const start = clock.now();
      return observeCall(fn, (outcome) =>
        recordCall({ outcome: outcome.ok ? 'success' : 'failure', durationS: clock.now() - start }),
      );
    },
    setState(state) {
      if (!isState(state)) {
        const detail = `state ${describeValue(state)} (use ${BREAKER_STATES.join(', ')})`;
        return core.dropMeasurement(CIRCUIT_BREAKER_STATE.name, 'invalid_label_value', detail);
      }
      if (state === current) return;
      for (const [candidate, series] of stateSeries) {
        if (current === undefined || candidate === current || candidate === state) series.set(candidate === state ? 1 : 0);
      }
      if (current !== undefined) transitions.get(`${current}>${state}`)?.add(1);
      current = state;
    },
    get state() {
      return current;
    },
    get failureRate() {
      return rateNow();
    },
    critical,
  };
  return {
    metrics,
    observeRate(result) {
      const rate = rateNow();
      // The overflow handle stands for many breakers at once: a failure rate of their mix would
      // read as one breaker's, and would take the observable's last series slot.
      if (rate !== undefined && !overflow) result.observe(rate, rateLabels);
    },
  };
}

export function createCircuitBreakerFacade(core: FacadeCore, defaults: CircuitBreakerOptions = {}): CircuitBreakerFacade {
  const instruments: Instruments = {
    duration: core.histogram(CIRCUIT_BREAKER_CALL_DURATION),
    state: core.gauge(CIRCUIT_BREAKER_STATE),
    critical: core.gauge(CIRCUIT_BREAKER_CRITICAL),
    transitions: core.counter(CIRCUIT_BREAKER_TRANSITIONS),
  };
  const created: CreatedBreaker[] = [];
  // One callback for every breaker of this facade, run at each collection.
  core.observableGauge(CIRCUIT_BREAKER_FAILURE_RATE, (result) => {
    for (const breaker of created) breaker.observeRate(result);
  });
  const windowOf = (options: CircuitBreakerOptions = {}) => ({ ...DEFAULT_FAILURE_RATE_WINDOW, ...defaults.window, ...options.window });
  const remember = (breaker: CreatedBreaker): CircuitBreakerMetrics => {
    created.push(breaker);
    return breaker.metrics;
  };
  return memoByName(
    memoBudget(core.limits),
    (name, options?: CircuitBreakerOptions) =>
      remember(createBreaker(name, core, instruments, windowOf(options), options?.critical ?? defaults.critical ?? false)),
    () => remember(createBreaker(OVERFLOW_BREAKER_NAME, core, instruments, windowOf(), false, true)),
  );
}

/** The `name` of the shared handle returned past the cardinality limit. */
export const OVERFLOW_BREAKER_NAME = 'otel.metric.overflow';

function isOutcome(value: unknown): value is BreakerOutcome {
  return (BREAKER_OUTCOMES as readonly unknown[]).includes(value);
}

function isState(value: unknown): value is BreakerState {
  return (BREAKER_STATES as readonly unknown[]).includes(value);
}
