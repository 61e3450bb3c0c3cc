/**
 * prom-client's two ways of passing labels, an object (`{ method: 'GET' }`) or values in
 * `labelNames` order (`labels('GET', '200')`), turned into promkit's checked attributes.
 */
import type { Attributes } from '@opentelemetry/api';
import { LabelProblem, resolveLabels } from '../record/labels.js';

/** Label values as prom-client takes them. */
export type LabelValues<T extends string> = Partial<Record<T, string | number>>;

/** `labels(...)`/`remove(...)` arguments: one object, or values in `labelNames` order. */
export function labelsFromArguments(labelNames: readonly string[], args: readonly unknown[]): unknown {
  const first = args[0];
  if (args.length === 1 && typeof first === 'object' && first !== null) return first;
  if (args.length !== labelNames.length) {
    return new LabelProblem('invalid_label_value', `got ${args.length} label values for ${labelNames.length} label names (${labelNames.join(', ')})`);
  }
  const labels: Record<string, unknown> = {};
  for (let i = 0; i < labelNames.length; i++) labels[labelNames[i] as string] = args[i];
  return labels;
}

/** Checked attributes, or the problem to count as a drop. */
export function checkLabels(labels: unknown, allowed: ReadonlySet<string>): Attributes | LabelProblem {
  return labels instanceof LabelProblem ? labels : resolveLabels(labels, allowed);
}

/**
 * The key of a label set: values in `labelNames` order. An absent label and an empty string
 * differ (`\u0001` is not a value anyone passes).
 */
export function labelKey(labelNames: readonly string[], attributes: Attributes): string {
  if (labelNames.length === 0) return '';
  if (labelNames.length === 1) {
    const value = attributes[labelNames[0] as string];
    return value === undefined ? '\u0001' : String(value);
  }
  let key = '';
  for (const name of labelNames) {
    const value = attributes[name];
    key += `${value === undefined ? '\u0001' : String(value)}\u0000`;
  }
  return key;
}

export { LabelProblem };
