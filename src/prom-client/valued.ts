/**
 * Counters and gauges of `promkit/prom-client`: one value cell per label set (promkit's facade
 * cells, so recording through a `labels(...)` child is one check and one addition), reported
 * through one observable instrument at collection time, after the metric's `collect()` has run
 * and been awaited — prom-client's order, async functions included.
 *
 * `reset()` and `remove()` set series to 0 instead of deleting them: an OpenTelemetry cumulative
 * stream keeps every label set it has reported (a counter going to 0 is a counter reset, which
 * `rate()` handles).
 */
import type { Attributes, Meter, Observable, ObservableResult } from '@opentelemetry/api';
import { CounterCell, GaugeCell } from '../record/cells.js';
import { describeValue } from '../record/drops.js';
import { valueProblem } from '../record/instruments.js';
import { core, type PromClientType } from './core.js';
import { checkLabels, LabelProblem, labelKey, labelsFromArguments } from './labels.js';

export type Cell = CounterCell | GaugeCell;

/** One series as prom-client's `get()` reports it. */
export interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** prom-client's `get()` result. */
export interface MetricObjectWithValues {
  readonly name: string;
  readonly help: string;
  readonly type: PromClientType;
  readonly aggregator: string;
  readonly values: MetricValue[];
}

const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });
/** Not a possible label key (those never start with \u0002). */
const OVERFLOW_KEY = '\u0002overflow';

/** The label sets of one counter or gauge and the observable that reports them. */
export class ValuedSeries<C extends Cell> {
  readonly #cells = new Map<string, C>();
  readonly #children = new WeakMap<C, unknown>();
  readonly labelKeys: ReadonlySet<string>;
  #otel: Observable | undefined;
  readonly #report = async (result: ObservableResult): Promise<void> => {
    if (this.collect !== undefined) {
      try {
        await this.collect();
      } catch (error) {
        core.context.drops.drop(this.name, 'callback_error', `collect() threw ${error instanceof Error ? error.message : describeValue(error)}`);
      }
    }
    for (const cell of this.#cells.values()) if (cell.value === cell.value) result.observe(cell.value, cell.attributes);
  };

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: 'counter' | 'gauge',
    readonly labelNames: readonly string[],
    private readonly create: (attributes: Attributes) => C,
    readonly collect: (() => unknown) | undefined,
  ) {
    this.labelKeys = new Set(labelNames);
    this.attach(core.meter);
    core.track(this);
  }

  attach(meter: Meter): void {
    this.#otel?.removeCallback(this.#report);
    const options = { description: this.help };
    this.#otel = this.kind === 'counter' ? meter.createObservableCounter(this.name, options) : meter.createObservableGauge(this.name, options);
    this.#otel.addCallback(this.#report);
  }

  /** The cell for object labels (or none), or undefined after counting the drop. */
  cell(labels: unknown): C | undefined {
    const attributes = checkLabels(labels, this.labelKeys);
    if (attributes instanceof LabelProblem) {
      core.context.drops.drop(this.name, attributes.reason, attributes.detail);
      return undefined;
    }
    const key = labelKey(this.labelNames, attributes);
    const cell = this.#cells.get(key);
    if (cell !== undefined) return cell;
    // The cap keeps memory bounded like the SDK's limit: later label sets share one overflow series.
    if (this.#cells.size >= core.context.limits.cardinality - 1) return this.#overflow();
    const created = this.create(Object.freeze({ ...attributes }));
    this.#cells.set(key, created);
    return created;
  }

  /** The cell for `labels(...)` arguments. */
  child(args: readonly unknown[]): C | undefined {
    return this.cell(labelsFromArguments(this.labelNames, args));
  }

  /**
   * What `labels(...args)` returns: one object per cell, made by `make` on first use, so the hot
   * path allocates nothing after it; `refused` for labels the facade refused (the drop is counted).
   */
  childOf<K>(args: readonly unknown[], make: (cell: C) => K, refused: K): K {
    const cell = this.child(args);
    if (cell === undefined) return refused;
    let made = this.#children.get(cell) as K | undefined;
    if (made === undefined) {
      made = make(cell);
      this.#children.set(cell, made);
    }
    return made;
  }

  /** Zeroes every series (see the module note: OpenTelemetry cannot delete one). */
  reset(): void {
    for (const cell of this.#cells.values()) cell.value = 0;
  }

  remove(args: readonly unknown[]): void {
    const attributes = checkLabels(labelsFromArguments(this.labelNames, args), this.labelKeys);
    if (attributes instanceof LabelProblem) return core.context.drops.drop(this.name, attributes.reason, attributes.detail);
    const cell = this.#cells.get(labelKey(this.labelNames, attributes));
    if (cell !== undefined) cell.value = 0;
  }

  async get(aggregator: string): Promise<MetricObjectWithValues> {
    await this.collect?.();
    const values: MetricValue[] = [];
    for (const cell of this.#cells.values()) {
      if (cell.value === cell.value) values.push({ labels: { ...(cell.attributes as Record<string, string | number>) }, value: cell.value });
    }
    return { name: this.name, help: this.help, type: this.kind, aggregator, values };
  }

  #overflow(): C {
    let cell = this.#cells.get(OVERFLOW_KEY);
    if (cell === undefined) {
      cell = this.create(OVERFLOW);
      this.#cells.set(OVERFLOW_KEY, cell);
    }
    return cell;
  }

  /** Counts a refused value the way the facade does. */
  readonly refuse = (value: unknown, nonNegative: boolean): void => {
    core.context.drops.drop(this.name, valueProblem(value, nonNegative) ?? 'not_a_number', `value ${describeValue(value)}`);
  };
}

/** prom-client's `inc(value?)` / `inc(labels, value?)` (and `set`, `observe`, ...): which is which. */
export function splitArguments(first: unknown, second: unknown): { labels: unknown; value: unknown } {
  return typeof first === 'object' && first !== null ? { labels: first, value: second } : { labels: undefined, value: first };
}
