/**
 * The runtime metric sets `start()` turns on, by name family (`runtimeMetrics: 'otel' |
 * 'prom-client' | 'both' | 'off'`), sharing one event-loop monitor so that a collection is
 * bracketed once and both sets report the same interval. prom-client's names can also be added
 * later, by `collectDefaultMetrics()` from `promkit/prom-client`.
 */
import type { MeterProvider } from '@opentelemetry/api';
import { LoopMonitor } from './event-loop.js';
import { startRuntimeMetrics, type RuntimeMetrics } from './metrics.js';
import { startPromClientRuntimeMetrics, type PromClientRuntimeOptions } from './prom-client-names.js';

/** Which runtime metrics `start()` records, and under which names. */
export const RUNTIME_METRICS_SELECTIONS = ['otel', 'prom-client', 'both', 'off'] as const;
export type RuntimeMetricsSelection = (typeof RUNTIME_METRICS_SELECTIONS)[number];

export interface RuntimeSets extends RuntimeMetrics {
  /** Whether any set records (and the runtime resource attributes belong on `target_info`). */
  readonly enabled: boolean;
  /**
   * Adds prom-client's names if they are not on yet; returns false (and changes nothing) when
   * they already are, so the first caller's options win.
   */
  enablePromClientNames(options?: PromClientRuntimeOptions): boolean;
}

/** Starts the sets `selection` names; with `'off'` nothing runs until prom-client's names are added. */
export function startRuntimeSets(meterProvider: MeterProvider, selection: RuntimeMetricsSelection): RuntimeSets {
  let loop: LoopMonitor | undefined;
  const stops: Array<() => void> = [];
  const sharedLoop = () => (loop ??= new LoopMonitor());
  let promClient = false;
  let stopped = false;
  const otelRuntime = selection === 'otel' || selection === 'both';

  const enablePromClientNames = (options?: PromClientRuntimeOptions): boolean => {
    if (promClient || stopped) return false;
    promClient = true;
    stops.push(startPromClientRuntimeMetrics(meterProvider, sharedLoop(), options, { otelRuntime }));
    return true;
  };
  if (otelRuntime) {
    const otel = startRuntimeMetrics(meterProvider, { loop: sharedLoop() });
    stops.push(() => otel.stop());
  }
  if (selection === 'prom-client' || selection === 'both') enablePromClientNames();

  return {
    enabled: selection !== 'off',
    enablePromClientNames,
    outsideLoopDelay: (work) => (loop === undefined ? work() : loop.outside(work)),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const stop of stops) stop();
      loop?.stop();
    },
  };
}
