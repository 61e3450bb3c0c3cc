/** prom-client's `Counter`: a value per label set that only goes up, with optional exemplars. */
import { Exemplar } from './exemplar.js';
import { Metric, type MetricConfiguration } from './metric.js';
import { labelsOf, refuse } from './policy.js';
import type { MetricObjectWithValues, MetricValue } from './render.js';
import { legacyHashMap, SeriesMap, type Series } from './series.js';
import { isObject, labelsFromArguments, notANumber, type Labels, type LabelValues } from './validation.js';

export interface CounterConfiguration<T extends string> extends MetricConfiguration<T> {
  collect?: (this: Counter<T>) => void | Promise<void>;
}

/** `inc()` of a counter with `enableExemplars`. */
export interface IncreaseDataWithExemplar<T extends string> {
  value?: number;
  labels?: LabelValues<T>;
  exemplarLabels?: LabelValues<T>;
}

interface CounterSeries extends Series {
  value: number;
  exemplar?: Exemplar;
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

export class Counter<T extends string = string> extends Metric<T> {
  readonly type = 'counter';
  declare store: SeriesMap<CounterSeries>;

  constructor(configuration: CounterConfiguration<T>) {
    super(configuration as MetricConfiguration<T>);
    this.reset();
    this.register();
  }

  /** Adds `value` (default 1). Throws on a negative or non-numeric value or an undeclared label (see `configure`). */
  inc(value?: number): void;
  inc(labels: LabelValues<T>, value?: number): void;
  inc(incData: IncreaseDataWithExemplar<T>): void;
  inc(first?: unknown, second?: number): void {
    if (this.enableExemplars) return this.#incWithExemplar(first as IncreaseDataWithExemplar<T> | undefined);
    // The common call (labels or none, a finite value >= 0 or none) in one straight line; anything else takes #add's checks.
    const labelled = first !== null && typeof first === 'object';
    const value = labelled ? second : first;
    if (value === undefined || (typeof value === 'number' && value >= 0 && value !== Infinity)) {
      const series = labelled ? this.store.find(first as Labels, newSeries) : this.store.unlabelled(newSeries);
      if (!(series instanceof Error)) {
        series.value += value ?? 1;
        return;
      }
    }
    this.#add(first, second);
  }

  #add(first: unknown, second: unknown): CounterSeries | undefined {
    let labels: Labels;
    let value: unknown;
    if (isObject(first)) {
      labels = first as Labels;
      value = second;
    } else {
      labels = NO_LABELS;
      value = first;
    }
    if (value && !Number.isFinite(value)) return void refuse(this.name, 'not_a_number', notANumber(value));
    if ((value as number) < 0) return void refuse(this.name, 'negative_increment', new Error('It is not possible to decrease a counter'));
    const series = this.store.find(labels, newSeries);
    if (series instanceof Error) return void refuse(this.name, 'unknown_label', series);
    series.value += value === null || value === undefined ? 1 : (value as number);
    return series;
  }

  #incWithExemplar({ labels = NO_LABELS as LabelValues<T>, value = 1, exemplarLabels }: IncreaseDataWithExemplar<T> = {}): void {
    const series = this.#add(labels, value);
    if (series === undefined || exemplarLabels === undefined) return;
    series.exemplar ??= new Exemplar();
    series.exemplar.update(exemplarLabels as Labels, value || 1);
  }

  async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    await this.runCollect();
    const values: MetricValue<T>[] = [];
    for (const series of this.store.values()) values.push(sampleOf(series) as MetricValue<T>);
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client 15.1.3's internal series object, as a snapshot (see `legacyHashMap`). */
  get hashMap(): Record<string, { value: number; labels: Labels }> {
    return legacyHashMap(this.store, this.sortedLabelNames, (s) => ({ value: s.value, labels: s.labels }));
  }

  /** Forgets every series; a counter without labels restarts at 0. */
  reset(): void {
    this.store?.clear();
    this.store = new SeriesMap(this.labelNames);
    if (this.labelNames.length === 0) this.store.getOrCreate({}, newSeries);
  }

  /** The child for one label set: `labels('GET', '200')` in `labelNames` order, or `labels({ method: 'GET' })`. */
  labels(...values: Array<string | number>): Counter.Internal;
  labels(labels: LabelValues<T>): Counter.Internal;
  labels(...args: unknown[]): Counter.Internal {
    const labels = labelsFromArguments(this.labelNames, args);
    if (labels instanceof Error) {
      refuse(this.name, 'invalid_label_value', labels);
      return NOOP_CHILD;
    }
    return new CounterChild(this, labels);
  }

  remove(...values: Array<string | number>): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    const labels = labelsOf(this, this.store, args);
    if (labels !== undefined) this.store.delete(labels);
  }
}

/** A series as `get()` reports it: a copy, so later records do not change a result already returned. */
export function sampleOf(series: { readonly labels: Labels; readonly value: number; readonly exemplar?: Exemplar }): MetricValue {
  return series.exemplar === undefined ? { value: series.value, labels: series.labels } : { value: series.value, labels: series.labels, exemplar: series.exemplar };
}

function newSeries(labels: Labels): CounterSeries {
  return { labels, value: 0, live: true };
}

export declare namespace Counter {
  interface Internal {
    inc(value?: number): void;
  }
}

/** A `labels(...)` child: holds its series while it lives, finds it again after a reset or remove. */
class CounterChild implements Counter.Internal {
  #series: CounterSeries | undefined;
  constructor(
    readonly counter: Counter<string>,
    readonly labelSet: Labels,
  ) {}

  inc(value?: number): void {
    const series = this.#series;
    // The fast path: a live series and a plain non-negative number.
    if (series !== undefined && series.live && !this.counter.enableExemplars && (value === undefined || (typeof value === 'number' && value >= 0 && value !== Infinity))) {
      series.value += value ?? 1;
      return;
    }
    if (this.counter.enableExemplars) return this.counter.inc({ labels: this.labelSet, ...(value !== undefined && { value }) });
    this.counter.inc(this.labelSet, value);
    this.#series = this.counter.store.get(this.labelSet);
  }
}

const NOOP_CHILD: Counter.Internal = Object.freeze({ inc: () => undefined });
