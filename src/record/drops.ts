/**
 * Accounting for refused measurements. Recording never throws, so a dropped value would be
 * invisible without this: each drop is counted in `promkit.measurements.dropped` and warned
 * once per (metric, reason), so a hot loop of bad calls costs one log line, not a flood. The
 * warning goes to the app's OTel diag logger, or to stderr when it has none ({@link warn}).
 */
import type { Attributes, Counter as OtelCounter, Meter } from '@opentelemetry/api';
import { PROMKIT_MEASUREMENTS_DROPPED } from '../catalogue/self.js';
import { warn } from '../warnings.js';
import type { DropReason } from './types.js';

/** Why a measurement was refused (kept as an alias: the drop modules speak of causes). */
export type DropCause = DropReason;

const ADVICE: Readonly<Record<DropCause, string>> = {
  not_a_number: 'pass a number (convert strings with Number() and check for undefined/NaN first)',
  non_finite: 'pass a finite number (check for division by zero or overflow first)',
  negative_increment: 'counters and histograms only take values >= 0; use an upDownCounter for values that go down',
  unknown_label: 'declare the label in the metric definition, or stop passing it',
  invalid_label_value: 'label values must be strings, numbers or booleans',
  callback_error: 'an observable callback must not throw; catch inside it and skip the observation',
  callback_timeout: 'an observable callback must finish within the scrape deadline; read a value kept up to date elsewhere instead of awaiting slow work in it',
  name_collision: 'rename one of the two instruments: they are one name in Prometheus, and only the first is exported',
  cardinality_limit:
    'the value was kept in the otel_metric_overflow="true" series; stop using an unbounded value (an id, a URL, a timestamp) as a label, raise cardinalityLimit, or set seriesTtl so idle series expire',
  not_iterable: 'pass the stream itself (an async iterable, such as the SDK\'s stream object), not a promise of it or its text',
};

/** Counts and warns; one per core, shared by all its instruments. */
export class DropRecorder {
  /** Attributes per (metric, reason); an entry also means "already warned". */
  readonly #seen = new Map<string, Attributes>();
  #counter: OtelCounter;

  constructor(meter: Meter) {
    this.#counter = DropRecorder.#create(meter);
  }

  static #create(meter: Meter): OtelCounter {
    return meter.createCounter(PROMKIT_MEASUREMENTS_DROPPED.name, {
      description: PROMKIT_MEASUREMENTS_DROPPED.description,
      unit: PROMKIT_MEASUREMENTS_DROPPED.unit,
    });
  }

  rebind(meter: Meter): void {
    this.#counter = DropRecorder.#create(meter);
  }

  /** `detail` names the offending value or label; it is only used (or computed) for the first warning. */
  drop(metric: string, reason: DropCause, detail: string | (() => string)): void {
    const key = `${metric}\u0000${reason}`;
    let attributes = this.#seen.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze({ 'promkit.metric': metric, 'promkit.reason': reason });
      this.#seen.set(key, attributes);
      warn(
        `promkit: dropped a measurement of "${metric}" (${reason}): ${(typeof detail === 'string' ? detail : detail()).replace(/\.$/, '')}; ${ADVICE[reason]}. ` +
          'Further drops of this kind are only counted in promkit.measurements.dropped.',
      );
    }
    this.#counter.add(1, attributes);
  }
}

/** A short, safe rendering of a refused value for a warning. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  return `a value of type ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
