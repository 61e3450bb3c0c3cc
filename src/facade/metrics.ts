import type { MeterProvider } from '@opentelemetry/api';
import { createCacheFacade, type CacheFacade } from './cache.js';
import { createCircuitBreakerFacade, type CircuitBreakerFacade } from './circuit-breaker.js';
import { createFacadeCore, type FacadeCoreOptions, type PromkitCore, type RebindOptions } from '../record/core.js';
import { createDbFacade, type DbFacade } from './db.js';
import { createHttpFacade, type ConfigurableHttpFacade, type HttpFacade, type HttpFacadeOptions } from './http/http.js';
import { createLlmFacade, type LlmFacade } from './llm/llm.js';

/**
 * promkit's typed facade: generic instruments (`counter`, `histogram`, ...) plus one API per
 * catalogue domain, each already knowing its metrics' names, units, buckets and labels.
 */
export interface Metrics extends Omit<PromkitCore, 'rebind'> {
  /** Manual HTTP server/client metrics for what the automatic instrumentation does not see. */
  readonly http: HttpFacade;
  /** GenAI client metrics: streams, non-streaming calls, token usage. */
  readonly llm: LlmFacade;
  /** Metrics of one named cache (memoised per name). */
  readonly cache: CacheFacade;
  /** Database operations and connection pools. */
  readonly db: DbFacade;
  /** Metrics of one named circuit breaker (memoised per name). */
  readonly circuitBreaker: CircuitBreakerFacade;
}

/** A facade over `meterProvider` (default: the global provider; see {@link metrics}). */
export function createMetrics(options: FacadeCoreOptions & HttpFacadeOptions = {}): Metrics {
  const core = createFacadeCore(options);
  return Object.assign(core, {
    http: createHttpFacade(core, options.normalizeRoute !== undefined ? { normalizeRoute: options.normalizeRoute } : {}),
    llm: createLlmFacade(core),
    cache: createCacheFacade(core),
    db: createDbFacade(core),
    circuitBreaker: createCircuitBreakerFacade(core),
  });
}

/**
 * The default facade, bound to the global meter provider that `register.js` / `start()`
 * installs. Instruments defined before that (at module load, say) are rebound when it starts,
 * so they are never stuck as no-ops.
 */
export const metrics: Metrics = createMetrics();

/** What `start()` configures on the default facade: the provider's limit, buckets and producer, and the route normaliser. */
export type MetricsBindOptions = RebindOptions & HttpFacadeOptions;

/**
 * Called by `start()`: moves every instrument of the default facade onto `meterProvider` and
 * applies the running configuration. The automatic HTTP instrumentation records through this
 * same facade (`metrics.http`), so both write identical series through one route normaliser.
 */
export function configureDefaultMetrics(meterProvider: MeterProvider, options: MetricsBindOptions = {}): void {
  rebindMetrics(metrics, meterProvider, options);
}

/**
 * Moves every instrument of `target` onto `meterProvider` (default: the current global provider).
 * Plumbing for `start()` and promkit's test helpers, kept off the public `Metrics` type: a facade
 * is bound once, by whoever installs the provider. The route normaliser reverts to the default
 * unless given.
 */
export function rebindMetrics(target: Metrics, meterProvider?: MeterProvider, options: MetricsBindOptions = {}): void {
  // createMetrics() returns the core itself, so the method is there at run time.
  (target as Metrics & Pick<PromkitCore, 'rebind'>).rebind(meterProvider, options);
  (target.http as ConfigurableHttpFacade).configure(options.normalizeRoute !== undefined ? { normalizeRoute: options.normalizeRoute } : {});
}
