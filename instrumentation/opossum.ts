/**
 * Wires an `opossum` circuit breaker's events into promkit's circuit-breaker metrics: calls by
 * outcome with opossum's own latencies, the one-hot state gauge (which opossum-prometheus
 * lacks), transitions and failure rate. opossum is an optional peer dependency: nothing here
 * imports it; the breaker is described by the few members the adapter uses.
 */
import { diag } from '@opentelemetry/api';
import type { BreakerCall, BreakerState, CircuitBreakerFacade, CircuitBreakerMetrics } from '../src/facade/circuit-breaker.js';
import { metrics as defaultMetrics } from '../src/facade/metrics.js';

/** The part of an opossum `CircuitBreaker` (v6 to v10) the adapter relies on. */
export interface OpossumBreaker {
  readonly name: string;
  readonly opened: boolean;
  readonly halfOpen: boolean;
  /** opossum keeps its options here; the adapter reads the rolling window from them. */
  readonly options?: { readonly rollingCountTimeout?: number };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface InstrumentOpossumOptions {
  /**
   * `circuit_breaker.name`; default the breaker's `name`. opossum names a breaker after its
   * action function, or a random UUID for an anonymous one: pass a stable name then.
   */
  readonly name?: string;
  /** Where to record: default promkit's `metrics`; or `createMetrics(...)`, or anything with `circuitBreaker(name)`. */
  readonly metrics?: { readonly circuitBreaker: CircuitBreakerFacade };
  /** The service cannot work without this dependency; see `CircuitBreakerOptions.critical`. Default false. */
  readonly critical?: boolean;
}

const OPOSSUM_DEFAULT_ROLLING_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function seconds(latencyMs: unknown): number {
  return typeof latencyMs === 'number' ? latencyMs / 1000 : 0;
}

function code(error: unknown): unknown {
  return error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
}

/**
 * Subscribes to `success`, `failure`, `timeout`, `reject`, `fallback`, `open`, `halfOpen` and
 * `close`, and sets the current state at once. opossum follows a `timeout` with a `failure` for
 * the same error; that call is counted once, as `timeout`. A `failure` from a full semaphore
 * (`ESEMLOCKED`) never ran the action and counts as `rejected`. A `fallback` is counted in
 * addition to the call that triggered it, as opossum's own stats do.
 *
 * @returns `dispose`, which removes every listener this call added (idempotent).
 */
export function instrumentOpossum(breaker: OpossumBreaker, options: InstrumentOpossumOptions = {}): () => void {
  const name = options.name ?? breaker.name;
  if (options.name === undefined && UUID.test(name)) {
    diag.warn(`promkit: opossum breaker "${name}" has a generated name; pass { name } for a stable circuit_breaker.name`);
  }
  // The failure-rate gauge covers the same window opossum decides on (rollingCountTimeout,
  // 10 s by default), so the gauge reads what tripped the breaker; capped at 1000 calls for memory.
  const windowS = (breaker.options?.rollingCountTimeout ?? OPOSSUM_DEFAULT_ROLLING_MS) / 1000;
  const metrics: CircuitBreakerMetrics = (options.metrics ?? defaultMetrics).circuitBreaker(name, {
    window: { maxAgeS: windowS, maxCalls: 1000 },
    critical: options.critical ?? false,
  });
  const timedOut = new WeakSet<object>();
  const record = (call: BreakerCall): void => metrics.recordCall(call);
  const state = (next: BreakerState) => (): void => metrics.setState(next);

  const listeners: Record<string, (...args: unknown[]) => void> = {
    success: (_result: unknown, latencyMs: unknown) => record({ outcome: 'success', durationS: seconds(latencyMs) }),
    failure: (error: unknown, latencyMs: unknown) => {
      if (error !== null && typeof error === 'object' && timedOut.has(error)) return;
      if (code(error) === 'ESEMLOCKED') return record({ outcome: 'rejected', durationS: seconds(latencyMs) });
      record({ outcome: 'failure', durationS: seconds(latencyMs) });
    },
    timeout: (error: unknown, latencyMs: unknown) => {
      if (error !== null && typeof error === 'object') timedOut.add(error);
      record({ outcome: 'timeout', durationS: seconds(latencyMs) });
    },
    reject: () => record({ outcome: 'rejected' }),
    fallback: () => record({ outcome: 'fallback' }),
    open: state('open'),
    halfOpen: state('half_open'),
    close: state('closed'),
  };

  metrics.setState(breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
  for (const [event, listener] of Object.entries(listeners)) breaker.on(event, listener);

  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const [event, listener] of Object.entries(listeners)) breaker.removeListener(event, listener);
  };
}
