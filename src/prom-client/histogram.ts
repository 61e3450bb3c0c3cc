/** prom-client's `Histogram`: cumulative `le` buckets, `_sum` and `_count` per label set, with optional exemplars. */
import { Exemplar } from './exemplar.js';
import { Metric, type MetricConfiguration } from './metric.js';
import { labelsOf, refuse } from './policy.js';
import type { MetricObjectWithValues, MetricValue } from './render.js';
import { legacyHashMap, SeriesMap, type Series } from './series.js';
import { isObject, notANumber, type Labels, type LabelValues } from './validation.js';

/** prom-client's default buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export interface HistogramConfiguration<T extends string> extends MetricConfiguration<T> {
  buckets?: number[];
  collect?: (this: Histogram<T>) => void | Promise<void>;
}

/** `observe()` of a histogram with `enableExemplars`. */
export interface ObserveDataWithExemplar<T extends string> {
  value: number;
  labels?: LabelValues<T>;
  exemplarLabels?: LabelValues<T>;
}

/** One label set: per-bucket counts (not cumulative; values above the last bound only count in `count`). */
export interface HistogramSeries extends Series {
  counts: number[];
  sum: number;
  count: number;
  /** One per bucket then `+Inf`, when exemplars are on. */
  exemplars?: Array<Exemplar | null | undefined>;
}

/** Samples with their series' labels apart, for the text output (`le` first, as prom-client writes it). */
interface SharedValue extends MetricValue {
  sharedLabels: Labels;
}

export class Histogram<T extends string = string> extends Metric<T> {
  readonly type = 'histogram';
  declare buckets: number[];
  declare upperBounds: number[];
  declare store: SeriesMap<HistogramSeries>;

  constructor(configuration: HistogramConfiguration<T>) {
    super(configuration as MetricConfiguration<T>, { buckets: [...DEFAULT_BUCKETS] });
    if (this.labelNames.includes('le' as T)) throw new Error('le is a reserved label keyword');
    this.upperBounds = Object.freeze([...this.buckets]) as number[];
    this.reset();
    if (this.labelNames.length === 0) this.store.set(this.#newSeries({}));
    this.register();
  }

  /** Records `value`. Throws on a value that is not a finite number or an undeclared label (see `configure`). */
  observe(value: number): void;
  observe(labels: LabelValues<T>, value: number): void;
  observe(observeData: ObserveDataWithExemplar<T>): void;
  observe(first: unknown, second?: unknown): void {
    if (this.enableExemplars) return this.#observeWithExemplar(first as ObserveDataWithExemplar<T>);
    // The common unlabelled call, without the label checks.
    if (typeof first === 'number' && second === undefined && Number.isFinite(first)) return addTo(this.store.unlabelled(this.#create), this.upperBounds, first);
    if (isObject(first)) this.record(first as Labels, second);
    // prom-client reads a falsy first argument other than 0 (NaN, '', null) as "no labels": the value is the second.
    else if (!first && first !== 0) this.record(NO_LABELS, second);
    else this.record(NO_LABELS, first);
  }

  #observeWithExemplar({ labels = NO_LABELS as LabelValues<T>, value, exemplarLabels }: ObserveDataWithExemplar<T> = {} as ObserveDataWithExemplar<T>): void {
    const series = this.record(labels as Labels, value);
    if (series === undefined || exemplarLabels === undefined || isEmptyObject(exemplarLabels)) return;
    const index = bucketIndex(this.upperBounds, value);
    const exemplars = (series.exemplars ??= this.#emptyExemplars());
    let exemplar = exemplars[index];
    if (!isObject(exemplar)) exemplars[index] = exemplar = new Exemplar();
    exemplar.update(exemplarLabels as Labels, value);
  }

  /** One observation into the series of `labels`; the series, or undefined when refused. */
  record(labels: Labels, value: unknown): HistogramSeries | undefined {
    if (!Number.isFinite(value)) return void refuse(this.name, 'not_a_number', notANumber(value));
    const series = this.store.find(labels, this.#create);
    if (series instanceof Error) return void refuse(this.name, 'unknown_label', series);
    addTo(series, this.upperBounds, value as number);
    return series;
  }

  readonly #create = (labels: Labels): HistogramSeries => this.#newSeries(labels);

  #newSeries(labels: Labels): HistogramSeries {
    const series: HistogramSeries = { labels, counts: new Array<number>(this.upperBounds.length).fill(0), sum: 0, count: 0, live: true };
    if (this.enableExemplars) series.exemplars = this.#emptyExemplars();
    return series;
  }

  #emptyExemplars(): Array<Exemplar | null | undefined> {
    // prom-client reports `null` for a bucket without an exemplar and leaves `+Inf` undefined.
    const exemplars: Array<Exemplar | null | undefined> = new Array<Exemplar | null>(this.upperBounds.length).fill(null);
    exemplars.push(undefined);
    return exemplars;
  }

  /** Starts a timer; the returned function observes the seconds elapsed (with both label sets) and returns them. */
  startTimer(labels?: LabelValues<T>, exemplarLabels?: LabelValues<T>): (labels?: LabelValues<T>, exemplarLabels?: LabelValues<T>) => number {
    const start = performance.now();
    return (endLabels, endExemplarLabels) => {
      const seconds = (performance.now() - start) / 1e3;
      const all = { ...labels, ...endLabels } as Labels;
      if (this.enableExemplars) this.observe({ labels: all as LabelValues<T>, value: seconds, exemplarLabels: { ...exemplarLabels, ...endExemplarLabels } });
      else this.record(all, seconds);
      return seconds;
    };
  }

  /** Creates (or sets back to 0) the series of `labels`, so it is reported before its first observation. */
  zero(labels: LabelValues<T>): void {
    const problem = this.store.check(labels as Labels);
    if (problem !== undefined) return refuse(this.name, 'unknown_label', problem);
    this.store.set(this.#newSeries(labels as Labels));
  }

  /** prom-client 15.1.3's internal series object, as a snapshot (see `legacyHashMap`): per-bucket counts by bound, sum, count. */
  get hashMap(): Record<string, { labels: Labels; bucketValues: Record<number, number>; sum: number; count: number }> {
    return legacyHashMap(this.store, this.sortedLabelNames, (s) => ({
      labels: s.labels,
      bucketValues: Object.fromEntries(this.upperBounds.map((bound, i) => [bound, s.counts[i] as number])),
      sum: s.sum,
      count: s.count,
    }));
  }

  /** Forgets every series (a histogram without labels reports nothing until its next observation, as in prom-client). */
  reset(): void {
    this.store?.clear();
    this.store = new SeriesMap(this.labelNames);
  }

  labels(...values: Array<string | number>): Histogram.Internal<T>;
  labels(labels: LabelValues<T>): Histogram.Internal<T>;
  labels(...args: unknown[]): Histogram.Internal<T> {
    const labels = labelsOf(this, this.store, args);
    if (labels === undefined) return NOOP_CHILD;
    return new HistogramChild(this as Histogram<string>, labels);
  }

  remove(...values: Array<string | number>): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    const labels = labelsOf(this, this.store, args);
    if (labels !== undefined) this.store.delete(labels);
  }

  /** Samples with each series' labels in `sharedLabels`: what the registry renders. */
  async getForPromString(): Promise<MetricObjectWithValues<SharedValue>> {
    await this.runCollect();
    const values: SharedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    const bounds = this.upperBounds;
    for (const series of this.store.values()) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push({ labels: { le: bounds[i] as number }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: series.exemplars ? series.exemplars[i] : null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: series.exemplars ? series.exemplars[bounds.length] : null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client's shape: `_bucket` (cumulative, with `le`), `_sum` and `_count` samples. */
  async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const data = await this.getForPromString();
    const values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: Object.assign(labels, sharedLabels) }) as MetricValue<T>);
    return { ...data, values };
  }
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

/** The bucket a value falls in: the first bound it does not exceed, or `bounds.length` (+Inf). */
function bucketIndex(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) if (value <= (bounds[i] as number)) return i;
  return bounds.length;
}

function addTo(series: HistogramSeries, bounds: readonly number[], value: number): void {
  const index = bucketIndex(bounds, value);
  if (index < bounds.length) series.counts[index] = (series.counts[index] as number) + 1;
  series.sum += value;
  series.count += 1;
}

export declare namespace Histogram {
  interface Internal<T extends string = string> {
    observe(value: number): void;
    startTimer(): (labels?: LabelValues<T>) => number;
  }
}

/** A `labels(...)` child: holds its series while it lives, finds it again after a reset or remove. */
class HistogramChild implements Histogram.Internal {
  #series: HistogramSeries | undefined;
  constructor(
    readonly histogram: Histogram<string>,
    readonly labelSet: Labels,
  ) {}

  observe(value: number): void {
    const series = this.#series;
    if (series !== undefined && series.live && Number.isFinite(value)) return addTo(series, this.histogram.upperBounds, value);
    this.#series = this.histogram.record(this.labelSet, value);
  }

  startTimer(): (labels?: LabelValues<string>) => number {
    const start = performance.now();
    return () => {
      const seconds = (performance.now() - start) / 1e3;
      this.observe(seconds);
      return seconds;
    };
  }
}

const NOOP_CHILD: Histogram.Internal<never> = Object.freeze({ observe: () => undefined, startTimer: () => () => 0 });
