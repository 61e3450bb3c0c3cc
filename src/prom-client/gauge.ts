/** prom-client's `Gauge`: a value per label set that goes up and down. */
import { sampleOf } from './counter.js';
import { Metric, type MetricConfiguration } from './metric.js';
import { labelsOf, refuse } from './policy.js';
import type { MetricObjectWithValues, MetricValue } from './render.js';
import { legacyHashMap, SeriesMap, type Series } from './series.js';
import { isObject, notANumber, type Labels, type LabelValues } from './validation.js';

export interface GaugeConfiguration<T extends string> extends MetricConfiguration<T> {
  collect?: (this: Gauge<T>) => void | Promise<void>;
}

interface GaugeSeries extends Series {
  value: number;
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

export class Gauge<T extends string = string> extends Metric<T> {
  readonly type = 'gauge';
  declare store: SeriesMap<GaugeSeries>;

  constructor(configuration: GaugeConfiguration<T>) {
    super(configuration as MetricConfiguration<T>);
    this.reset();
    this.register();
  }

  set(value: number): void;
  set(labels: LabelValues<T>, value: number): void;
  set(first: unknown, second?: unknown): void {
    const labels = isObject(first) ? (first as Labels) : NO_LABELS;
    const value = isObject(first) ? second : first;
    if (typeof value !== 'number') return refuse(this.name, 'not_a_number', notANumber(value));
    const series = this.#series(labels);
    if (series !== undefined) series.value = value;
  }

  inc(value?: number): void;
  inc(labels: LabelValues<T>, value?: number): void;
  inc(first?: unknown, second?: unknown): void {
    this.#addDelta(first, second, 1);
  }

  dec(value?: number): void;
  dec(labels: LabelValues<T>, value?: number): void;
  dec(first?: unknown, second?: unknown): void {
    this.#addDelta(first, second, -1);
  }

  #addDelta(first: unknown, second: unknown, sign: 1 | -1): void {
    const labels = isObject(first) ? (first as Labels) : NO_LABELS;
    const given = (isObject(first) ? second : first) ?? 1;
    // prom-client negates before checking: dec('3') subtracts 3, inc('3') throws.
    const delta = sign === 1 ? given : -(given as number);
    if (typeof delta !== 'number') return refuse(this.name, 'not_a_number', notANumber(delta, 'Delta'));
    const series = this.#series(labels);
    if (series !== undefined) series.value += delta;
  }

  #series(labels: Labels): GaugeSeries | undefined {
    const series = this.store.find(labels, newSeries);
    if (series instanceof Error) return void refuse(this.name, 'unknown_label', series);
    return series;
  }

  /** Sets the gauge to the current Unix time in seconds. */
  setToCurrentTime(labels?: LabelValues<T>): void {
    const now = Date.now() / 1000;
    if (labels === undefined) this.set(now);
    else this.set(labels, now);
  }

  /** Starts a timer; the returned function sets the gauge to the seconds elapsed (with both label sets) and returns them. */
  startTimer(labels?: LabelValues<T>): (labels?: LabelValues<T>) => number {
    const start = performance.now();
    return (endLabels) => {
      const seconds = (performance.now() - start) / 1e3;
      this.set({ ...labels, ...endLabels }, seconds);
      return seconds;
    };
  }

  async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    await this.runCollect();
    const values: MetricValue<T>[] = [];
    for (const series of this.store.values()) values.push(sampleOf(series) as MetricValue<T>);
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }

  /** The value of one series (0 when it has none); prom-client's internal `_getValue`. */
  _getValue(labels?: LabelValues<T>): number {
    return this.store.get((labels ?? {}) as Labels)?.value ?? 0;
  }

  /** prom-client 15.1.3's internal series object, as a snapshot (see `legacyHashMap`). */
  get hashMap(): Record<string, { value: number; labels: Labels }> {
    return legacyHashMap(this.store, this.sortedLabelNames, (s) => ({ value: s.value, labels: s.labels }));
  }

  /** Forgets every series; a gauge without labels restarts at 0. */
  reset(): void {
    this.store?.clear();
    this.store = new SeriesMap(this.labelNames);
    if (this.labelNames.length === 0) this.store.getOrCreate({}, newSeries);
  }

  labels(...values: Array<string | number>): Gauge.Internal<T>;
  labels(labels: LabelValues<T>): Gauge.Internal<T>;
  labels(...args: unknown[]): Gauge.Internal<T> {
    const labels = labelsOf(this, this.store, args);
    if (labels === undefined) return NOOP_CHILD;
    return new GaugeChild(this as Gauge<string>, labels);
  }

  remove(...values: Array<string | number>): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    const labels = labelsOf(this, this.store, args);
    if (labels !== undefined) this.store.delete(labels);
  }
}

function newSeries(labels: Labels): GaugeSeries {
  return { labels, value: 0, live: true };
}

export declare namespace Gauge {
  interface Internal<T extends string = string> {
    inc(value?: number): void;
    dec(value?: number): void;
    set(value: number): void;
    setToCurrentTime(): void;
    startTimer(): (labels?: LabelValues<T>) => number;
  }
}

/** A `labels(...)` child: holds its series while it lives, finds it again after a reset or remove. */
class GaugeChild implements Gauge.Internal {
  #series: GaugeSeries | undefined;
  constructor(
    readonly gauge: Gauge<string>,
    readonly labelSet: Labels,
  ) {}

  #live(): GaugeSeries {
    let series = this.#series;
    if (series === undefined || !series.live) this.#series = series = this.gauge.store.getOrCreate(this.labelSet, newSeries);
    return series;
  }

  inc(value?: number): void {
    if (value === undefined || typeof value === 'number') this.#live().value += value ?? 1;
    else this.gauge.inc(this.labelSet, value);
  }

  dec(value?: number): void {
    if (value === undefined || typeof value === 'number') this.#live().value -= value ?? 1;
    else this.gauge.dec(this.labelSet, value);
  }

  set(value: number): void {
    if (typeof value === 'number') this.#live().value = value;
    else this.gauge.set(this.labelSet, value);
  }

  setToCurrentTime(): void {
    this.gauge.setToCurrentTime(this.labelSet);
  }

  startTimer(): (labels?: LabelValues<string>) => number {
    return this.gauge.startTimer(this.labelSet);
  }
}

const NOOP_CHILD: Gauge.Internal<never> = Object.freeze({
  inc: () => undefined,
  dec: () => undefined,
  set: () => undefined,
  setToCurrentTime: () => undefined,
  startTimer: () => () => 0,
});
