/**
 * prom-client's `Summary`: `quantile` samples over a sliding window (`maxAgeSeconds`,
 * `ageBuckets`), `_sum` and `_count` per label set, exported as a Prometheus `summary`.
 */
import { Metric, type MetricConfiguration } from './metric.js';
import { labelsOf, refuse } from './policy.js';
import { TimeWindowQuantiles } from './quantiles.js';
import type { MetricObjectWithValues, MetricValue } from './render.js';
import { legacyHashMap, SeriesMap, type Series } from './series.js';
import { notANumber, type Labels, type LabelValues } from './validation.js';

export const DEFAULT_PERCENTILES: readonly number[] = Object.freeze([0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]);

export interface SummaryConfiguration<T extends string> extends MetricConfiguration<T> {
  percentiles?: number[];
  maxAgeSeconds?: number;
  ageBuckets?: number;
  /** Drop a label set from the output once its window is empty. */
  pruneAgedBuckets?: boolean;
  /** Compress the sketch every this many observations (default 1000). */
  compressCount?: number;
  collect?: (this: Summary<T>) => void | Promise<void>;
}

export interface SummarySeries extends Series {
  td: TimeWindowQuantiles;
  count: number;
  sum: number;
}

export class Summary<T extends string = string> extends Metric<T> {
  readonly type = 'summary';
  declare percentiles: number[];
  declare maxAgeSeconds?: number;
  declare ageBuckets?: number;
  declare pruneAgedBuckets?: boolean;
  declare compressCount: number;
  declare store: SeriesMap<SummarySeries>;

  constructor(configuration: SummaryConfiguration<T>) {
    super(configuration as MetricConfiguration<T>, { percentiles: [...DEFAULT_PERCENTILES], compressCount: 1000 });
    if (this.labelNames.includes('quantile' as T)) throw new Error('quantile is a reserved label keyword');
    this.store = new SeriesMap(this.labelNames);
    if (this.labelNames.length === 0) this.store.set(this.#newSeries({}));
    this.register();
  }

  /** Records `value`. Throws on a value that is not a finite number or an undeclared label (see `configure`). */
  observe(value: number): void;
  observe(labels: LabelValues<T>, value: number): void;
  observe(first: unknown, second?: unknown): void {
    if (second === undefined) this.record(NO_LABELS, first);
    else this.record(first as Labels, second);
  }

  record(labels: Labels, value: unknown): SummarySeries | undefined {
    const problem = this.store.check(labels);
    if (problem !== undefined) return void refuse(this.name, 'unknown_label', problem);
    if (!Number.isFinite(value)) return void refuse(this.name, 'not_a_number', notANumber(value));
    const series = this.store.getOrCreate(labels, (l) => this.#newSeries(l));
    addTo(series, value as number, this.compressCount);
    return series;
  }

  #newSeries(labels: Labels): SummarySeries {
    return { labels, td: new TimeWindowQuantiles(this.maxAgeSeconds, this.ageBuckets), count: 0, sum: 0, live: true };
  }

  async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    await this.runCollect();
    const values: MetricValue<T>[] = [];
    for (const series of [...this.store.values()]) {
      if (this.pruneAgedBuckets && series.td.size() === 0) {
        this.store.delete(series.labels);
        continue;
      }
      series.td.compress();
      for (const quantile of this.percentiles) {
        values.push({ labels: { quantile, ...series.labels } as MetricValue<T>['labels'], value: series.td.percentile(quantile) || 0 });
      }
      values.push({ metricName: `${this.name}_sum`, labels: series.labels as MetricValue<T>['labels'], value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels as MetricValue<T>['labels'], value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client 15.1.3's internal series object, as a snapshot (see `legacyHashMap`). */
  get hashMap(): Record<string, { labels: Labels; td: TimeWindowQuantiles; count: number; sum: number }> {
    return legacyHashMap(this.store, this.sortedLabelNames, (s) => ({ labels: s.labels, td: s.td, count: s.count, sum: s.sum }));
  }

  /** Empties every label set's window, sum and count; the label sets stay (as in prom-client). */
  reset(): void {
    if (this.store === undefined) return;
    for (const series of this.store.values()) {
      series.td.reset();
      series.count = 0;
      series.sum = 0;
    }
  }

  /** Starts a timer; the returned function observes the seconds elapsed (with both label sets) and returns them. */
  startTimer(labels?: LabelValues<T>): (labels?: LabelValues<T>) => number {
    const start = performance.now();
    return (endLabels) => {
      const seconds = (performance.now() - start) / 1e3;
      this.record({ ...labels, ...endLabels } as Labels, seconds);
      return seconds;
    };
  }

  labels(...values: Array<string | number>): Summary.Internal<T>;
  labels(labels: LabelValues<T>): Summary.Internal<T>;
  labels(...args: unknown[]): Summary.Internal<T> {
    const labels = labelsOf(this, this.store, args);
    if (labels === undefined) return NOOP_CHILD;
    return {
      observe: (value: number) => void this.record(labels, value),
      startTimer: () => this.startTimer(labels as LabelValues<T>),
    };
  }

  remove(...values: Array<string | number>): void;
  remove(labels: LabelValues<T>): void;
  remove(...args: unknown[]): void {
    const labels = labelsOf(this, this.store, args);
    if (labels !== undefined) this.store.delete(labels);
  }
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

function addTo(series: SummarySeries, value: number, compressCount: number): void {
  series.td.push(value);
  series.count++;
  if (series.count % compressCount === 0) series.td.compress();
  series.sum += value;
}

export declare namespace Summary {
  interface Internal<T extends string = string> {
    observe(value: number): void;
    startTimer(): (labels?: LabelValues<T>) => number;
  }
}

const NOOP_CHILD: Summary.Internal<never> = Object.freeze({ observe: () => undefined, startTimer: () => () => 0 });
