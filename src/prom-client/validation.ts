/**
 * prom-client's definition and label rules, with its error messages (users' own tests match
 * them). Names follow the Prometheus data model: https://prometheus.io/docs/concepts/data_model/
 */
import { format, inspect } from 'node:util';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True when `name` is a valid Prometheus metric name (prom-client's `validateMetricName`). */
export function validateMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** The label names that are not valid Prometheus label names. */
export function invalidLabelNames(names: readonly string[]): string[] {
  return names.filter((name) => !LABEL_NAME.test(name));
}

/** Label values as prom-client takes them. */
export type LabelValues<T extends string> = Partial<Record<T, string | number>>;
/** One series' labels as stored and reported. */
export type Labels = Record<string, string | number>;

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** The error for a label not declared in `labelNames` (sorted, as prom-client prints them). */
export function unknownLabelError(label: string, sortedLabelNames: readonly string[]): Error {
  return new Error(`Added label "${label}" is not included in initial labelset: ${inspect([...sortedLabelNames])}`);
}

/** `labels(...)`/`remove(...)` arguments: one object, or values in `labelNames` order. */
export function labelsFromArguments(labelNames: readonly string[], args: readonly unknown[]): Labels | Error {
  if (typeof args[0] === 'object') return args[0] as Labels;
  if (labelNames.length !== args.length) {
    return new Error(`Invalid number of arguments (${args.length}): "${args.join(', ')}" for label names (${labelNames.length}): "${labelNames.join(', ')}".`);
  }
  const labels: Labels = {};
  for (let i = 0; i < labelNames.length; i++) labels[labelNames[i] as string] = args[i] as string | number;
  return labels;
}

export function notANumber(value: unknown, what = 'Value'): TypeError {
  return new TypeError(`${what} is not a valid number: ${format(value)}`);
}
