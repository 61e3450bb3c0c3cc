import { GaugeCell } from '../record/cells.js';
import { valueProblem } from '../record/instruments.js';
import { core } from './core.js';
import type { LabelValues } from './labels.js';
import { registerIn, type Registry } from './registry.js';
import { splitArguments, ValuedSeries, type MetricObjectWithValues } from './valued.js';

/** prom-client's gauge options; `aggregator` is accepted and ignored. */
export interface GaugeConfiguration<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly T[];
  readonly registers?: readonly Registry[];
  readonly aggregator?: string;
  /** Runs before each collection and `get()`, with `this` the gauge; may be async. */
  collect?: (this: Gauge<T>) => void | Promise<void>;
}

/** What `gauge.labels(...)` returns. */
export interface GaugeChild {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  setToCurrentTime(): void;
  startTimer(): () => number;
}

/** prom-client's `Gauge` over promkit; the name is exported exactly as given. */
export class Gauge<T extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  readonly #series!: ValuedSeries<GaugeCell>;

  constructor(configuration: GaugeConfiguration<T>) {
    const labelNames = configuration.labelNames ?? [];
    this.name = configuration.name;
    this.help = configuration.help;
    this.labelNames = labelNames;
    const existing = core.define(configuration.name, configuration.help, { type: 'gauge', labelNames }, () => this);
    if (existing !== this) {
      registerIn(configuration.registers, existing);
      return existing as Gauge<T>;
    }
    const collect = configuration.collect;
    this.#series = new ValuedSeries(this.name, this.help, 'gauge', labelNames, (a) => new GaugeCell(a, this.#series.refuse), collect && (() => collect.call(this)));
    // prom-client exports a gauge without labels at 0 from its definition on.
    if (labelNames.length === 0) this.#series.cell(undefined)?.set(0);
    registerIn(configuration.registers, this);
  }

  set(value: number): void;
  set(labels: LabelValues<T>, value: number): void;
  set(first: LabelValues<T> | number, second?: number): void {
    const { labels, value } = splitArguments(first, second);
    // The value first: a refused value must not create its label set's series.
    if (valueProblem(value, false) !== undefined) return this.#series.refuse(value, false);
    this.#series.cell(labels)?.set(value as number);
  }

  inc(value?: number): void;
  inc(labels: LabelValues<T>, value?: number): void;
  inc(first?: LabelValues<T> | number, second?: number): void {
    const { labels, value = 1 } = splitArguments(first, second);
    if (valueProblem(value, false) !== undefined) return this.#series.refuse(value, false);
    const cell = this.#series.cell(labels);
    if (cell !== undefined) add(cell, value, 1, this.#series.refuse);
  }

  dec(value?: number): void;
  dec(labels: LabelValues<T>, value?: number): void;
  dec(first?: LabelValues<T> | number, second?: number): void {
    const { labels, value = 1 } = splitArguments(first, second);
    if (valueProblem(value, false) !== undefined) return this.#series.refuse(value, false);
    const cell = this.#series.cell(labels);
    if (cell !== undefined) add(cell, value, -1, this.#series.refuse);
  }

  /** Sets the gauge to the current Unix time in seconds. */
  setToCurrentTime(labels?: LabelValues<T>): void {
    this.#series.cell(labels)?.set(Date.now() / 1000);
  }

  /** Starts a timer; `end(labels?)` sets the gauge to the seconds elapsed and returns them. */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    const start = core.context.clock.now();
    return (endLabels) => {
      const seconds = core.context.clock.now() - start;
      this.#series.cell(endLabels === undefined ? labels : { ...labels, ...endLabels })?.set(seconds);
      return seconds;
    };
  }

  labels(...values: Array<string | number>): GaugeChild;
  labels(labels: LabelValues<T>): GaugeChild;
  labels(...args: unknown[]): GaugeChild {
    return this.#series.childOf(args, (cell) => child(cell, this.#series.refuse), NOOP);
  }

  /** Sets every series to 0 (OpenTelemetry cannot delete a series). */
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

type Refuse = (value: unknown, nonNegative: boolean) => void;

/** `inc`/`dec`: a gauge never set counts from 0, as in prom-client. */
function add(cell: GaugeCell, value: unknown, sign: 1 | -1, refuse: Refuse): void {
  if (valueProblem(value, false) !== undefined) return refuse(value, false);
  const current = cell.value === cell.value ? cell.value : 0;
  cell.set(current + sign * (value as number));
}

function child(cell: GaugeCell, refuse: Refuse): GaugeChild {
  return {
    inc: (value = 1) => add(cell, value, 1, refuse),
    dec: (value = 1) => add(cell, value, -1, refuse),
    set: (value) => cell.set(value),
    setToCurrentTime: () => cell.set(Date.now() / 1000),
    startTimer: () => {
      const start = core.context.clock.now();
      return () => {
        const seconds = core.context.clock.now() - start;
        cell.set(seconds);
        return seconds;
      };
    },
  };
}

const NOOP: GaugeChild = Object.freeze({
  inc: () => undefined,
  dec: () => undefined,
  set: () => undefined,
  setToCurrentTime: () => undefined,
  startTimer: () => () => 0,
});
