/**
 * What a record-time mistake does (`inc(-1)`, an undeclared label, a wrong number of
 * `labels(...)` values, a value that is not a number). prom-client throws, and a user who chose
 * its API keeps that contract by default. `configure({ invalidInput: 'drop' })` switches the layer
 * to promkit's own contract: the call is dropped, counted in
 * `promkit_measurements_dropped_total{promkit_metric,promkit_reason}` and warned about once.
 */
import { metrics as otelMetrics } from '@opentelemetry/api';
import { DropRecorder } from '../record/drops.js';
import type { DropReason } from '../record/types.js';
import { onBinding } from './bridge.js';
import { labelsFromArguments, type Labels } from './validation.js';

/** How record-time mistakes are handled: `'throw'` (prom-client's contract, default) or `'drop'`. */
export type InvalidInputPolicy = 'throw' | 'drop';

export interface PromClientOptions {
  /** Default `'throw'`, as prom-client. */
  readonly invalidInput?: InvalidInputPolicy;
}

let policy: InvalidInputPolicy = 'throw';
let drops: DropRecorder | undefined;

/** Sets the layer's options for every metric, existing and future. */
export function configure(options: PromClientOptions): void {
  if (options.invalidInput !== undefined) {
    if (options.invalidInput !== 'throw' && options.invalidInput !== 'drop') {
      throw new TypeError(`invalidInput must be 'throw' or 'drop', got ${JSON.stringify(options.invalidInput)}`);
    }
    policy = options.invalidInput;
  }
}

/** The policy now in force. */
export function invalidInputPolicy(): InvalidInputPolicy {
  return policy;
}

/**
 * Throws `error` under the default policy; otherwise counts the drop against `metric` and
 * returns, so the caller skips the measurement.
 */
export function refuse(metric: string, reason: DropReason, error: Error): void {
  if (policy === 'throw') throw error;
  drops ??= createDrops();
  drops.drop(metric, reason, error.message);
}

/**
 * Counts a failure promkit's collection absorbed whatever the policy (a metric's `collect()` that
 * threw while promkit's endpoint read it): a scrape always answers.
 */
export function countDrop(metric: string, reason: DropReason, detail: string): void {
  drops ??= createDrops();
  drops.drop(metric, reason, detail);
}

function createDrops(): DropRecorder {
  const recorder = new DropRecorder(otelMetrics.getMeterProvider().getMeter('promkit.prom-client'));
  // Metrics are usually defined before start(): the counter moves onto promkit's provider when it binds.
  onBinding((binding) => {
    if (binding !== undefined) recorder.rebind(binding.meterProvider.getMeter('promkit.prom-client'));
  });
  return recorder;
}

/**
 * The label set that `labels(...)` or `remove(...)` arguments name (positional values in
 * `labelNames` order, or an object), or undefined once the bad arguments were refused: thrown, as
 * prom-client does, or dropped and counted (see {@link refuse}).
 */
export function labelsOf(
  metric: { readonly name: string; readonly labelNames: readonly string[] },
  store: { check(labels: Labels): Error | undefined },
  args: readonly unknown[],
): Labels | undefined {
  const labels = labelsFromArguments(metric.labelNames, args);
  if (labels instanceof Error) return void refuse(metric.name, 'invalid_label_value', labels);
  const problem = store.check(labels);
  if (problem !== undefined) return void refuse(metric.name, 'unknown_label', problem);
  return labels;
}
