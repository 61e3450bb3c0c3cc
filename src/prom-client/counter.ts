import { CounterCell } from '../record/cells.js';
import { valueProblem } from '../record/instruments.js';
import { core } from './core.js';
import type { LabelValues } from './labels.js';
import { splitArguments, ValuedSeries, type MetricObjectWithValues } from './valued.js';
import { registerIn, type Registry } from './registry.js';

/** prom-client's counter options; `enableExemplars` and `aggregator` are accepted and ignored. */
export interface CounterConfiguration<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly T[];
  readonly registers?: readonly Registry[];
  readonly aggregator?: string;
  readonly enableExemplars?: boolean;
  /** Runs before each collection and `get()`, with `this` the counter; may be async. */
  collect?: (this: Counter<T>) => void | Promise<void>;
}

/** What `counter.labels(...)` returns. */
export interface CounterChild {
  inc(value?: number): void;
}

/**
 * prom-client's `Counter` over promkit. A name without `_total` is exported with `_total`
 * appended (as prom-client does in OpenMetrics); `http_requests_total` stays as it is.
 */
export class Counter<T extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  readonly #series!: ValuedSeries<CounterCell>;

  constructor(configuration: CounterConfiguration<T>) {
    const labelNames = configuration.labelNames ?? [];
    this.name = configuration.name;
    this.help = configuration.help;
    this.labelNames = labelNames;
    const existing = core.define(configuration.name, configuration.help, { type: 'counter', labelNames }, () => this);
    if (existing !== this) {
      registerIn(configuration.registers, existing);
      return existing as Counter<T>;
    }
    const collect = configuration.collect;
    this.#series = new ValuedSeries(this.name, this.help, 'counter', labelNames, (a) => new CounterCell(a, this.#series.refuse), collect && (() => collect.call(this)));
    // prom-client exports a counter without labels at 0 from its definition on.
    if (labelNames.length === 0) this.#series.cell(undefined);
    registerIn(configuration.registers, this);
  }

  /** Adds `value` (default 1); negative, NaN and non-numbers are dropped and counted, never thrown. */
  inc(value?: number): void;
  inc(labels: LabelValues<T>, value?: number): void;
  inc(first?: LabelValues<T> | number, second?: number): void {
    const { labels, value = 1 } = splitArguments(first, second);
    // The value first: a refused value must not create its label set's series.
    if (valueProblem(value, true) !== undefined) return this.#series.refuse(value, true);
    this.#series.cell(labels)?.add(value as number);
  }

  /** The child for one label set: `labels('GET', '200')` in `labelNames` order, or `labels({ method: 'GET' })`. */
  labels(...values: Array<string | number>): CounterChild;
  labels(labels: LabelValues<T>): CounterChild;
  labels(...args: unknown[]): CounterChild {
    return this.#series.childOf(args, (cell): CounterChild => ({ inc: (value = 1) => cell.add(value) }), NOOP);
  }

  /** Sets every series to 0 (OpenTelemetry cannot delete a series; Prometheus sees a counter reset). */
  reset(): void {
    this.#series.reset();
  }

  /** Sets one series to 0; see {@link reset}. */
  remove(...values: Array<string | number>): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    this.#series.remove(args);
  }

  get(): Promise<MetricObjectWithValues> {
    return this.#series.get('sum');
  }
}

/** Returned for refused labels: the drop was already counted. */
const NOOP: CounterChild = Object.freeze({ inc: () => undefined });
