/**
 * Record-time label checks. The common case (declared keys, short string/number/boolean
 * values) returns the caller's own object: no copy, no allocation. Only a refused label or a
 * value that needs truncating costs an object.
 */
import type { Attributes } from '@opentelemetry/api';
import type { DropCause } from './drops.js';
import { describeValue } from './drops.js';

/**
 * Longest label value exported, in UTF-16 code units; longer strings are cut to this length.
 * Long values are almost always an id, a URL or a message that should not be a label at all;
 * cutting them bounds memory per series without dropping the measurement.
 */
export const MAX_LABEL_VALUE_LENGTH = 256;

/** Why labels were refused, with a description for the (first) warning. A class, so a check is `instanceof`. */
export class LabelProblem {
  constructor(
    readonly reason: Extract<DropCause, 'unknown_label' | 'invalid_label_value'>,
    readonly detail: string,
  ) {}
}

export const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Passed to `bind()` by a domain facade whose handle memo is full (see `memo.ts`): recognised by
 * identity, it binds the `otel_metric_overflow="true"` series, whatever labels the metric declares.
 * Users cannot produce it: an object literal is never this object.
 */
export const OVERFLOW_LABELS: { readonly [key: string]: never } = Object.freeze({});

/**
 * The attributes to record for `labels`, or the problem that makes the measurement a drop.
 * `allowed` is the metric's declared key set.
 */
export function resolveLabels(labels: unknown, allowed: ReadonlySet<string>): Attributes | LabelProblem {
  if (labels === undefined || labels === null) return EMPTY_ATTRIBUTES;
  if (typeof labels !== 'object') {
    return new LabelProblem('invalid_label_value', `labels must be an object, got ${describeValue(labels)}`);
  }
  const record = labels as Record<string, unknown>;
  let tooLong = false;
  for (const key in record) {
    if (!allowed.has(key)) return unknownLabel(key, allowed);
    const value = record[key];
    if (typeof value === 'string') {
      if (value.length > MAX_LABEL_VALUE_LENGTH) tooLong = true;
    } else if (typeof value !== 'number' && typeof value !== 'boolean') {
      return new LabelProblem('invalid_label_value', `label "${key}" has ${describeValue(value)}`);
    }
  }
  return tooLong ? truncated(record) : (record as Attributes);
}

function unknownLabel(key: string, allowed: ReadonlySet<string>): LabelProblem {
  const declared = allowed.size === 0 ? 'none' : [...allowed].map((k) => `"${k}"`).join(', ');
  return new LabelProblem('unknown_label', `label "${key}" is not declared (declared: ${declared})`);
}

function truncated(record: Record<string, unknown>): Attributes {
  const copy: Record<string, string | number | boolean> = {};
  for (const key in record) {
    const value = record[key] as string | number | boolean;
    copy[key] = typeof value === 'string' && value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
  }
  return copy;
}

/** One string per distinct label set, whatever the key order (cells, exemplars and huge totals key series by it). */
export function canonicalKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((key) => [key, attributes[key]]));
}
