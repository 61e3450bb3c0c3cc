/**
 * The `/metrics/ui` page's server-side history: the last 15 minutes of every metric, one point
 * every 5 s, so a page that is opened or reloaded draws the past at once instead of starting
 * empty. It is fed by collections, never by recording: a measurement costs nothing more.
 *
 * Memory is bounded up front. Each tracked series owns columns of `capacity` Float64 slots, a
 * ring indexed like the shared sample times: one column for a counter or gauge; a histogram has
 * its count, its sum and one per finite bucket bound (cumulative, as scraped), so rates and
 * quantiles are computed by the page exactly as from its own polls. At most `maxColumns` columns
 * exist (default 1024 × 180 slots × 8 B = 1,474,560 B, plus 1,440 B of times); a series that
 * would pass the cap is not kept and is counted in `untrackedSeries`, and the page's own metrics
 * are taken first in each sample, so new series of both leave the user's out. A series absent for a whole
 * ring is dropped and its columns freed.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type DataPoint, type ExponentialHistogram, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { bucketsOf, cumulativeCounts } from '../../exposition/buckets.js';
import { labelPairs, renderLabels } from '../../exposition/format.js';
import { kindOf, type CollectedKind } from '../../exposition/kind.js';

export const HISTORY_SCHEMA = 'promkit.ui.history/v1';

export interface UiHistoryOptions {
  /** Milliseconds between points; default 5000. */
  readonly stepMillis?: number;
  /** Points kept per series; default 180 (15 minutes at 5 s). */
  readonly capacity?: number;
  /** Float64 columns at most, over all series; default 1024. */
  readonly maxColumns?: number;
  /** Metric names (OpenTelemetry) kept before any other. */
  readonly priority?: readonly string[];
  /** Epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

interface TrackedMetric {
  readonly name: string;
  readonly kind: CollectedKind;
  readonly unit: string;
  readonly series: Map<string, TrackedSeries>;
}

interface TrackedSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Finite bucket bounds of a histogram; undefined for a counter or gauge. */
  readonly bounds: readonly number[] | undefined;
  /** [value], or [count, sum, cumulative count per finite bound]. */
  readonly columns: Float64Array[];
  /** The sample number that last wrote it. */
  lastSeen: number;
}

/** One metric's points, oldest first, `null` where the series was absent. */
export interface HistorySeriesJson {
  readonly labels: Readonly<Record<string, string>>;
  readonly values?: ReadonlyArray<number | null>;
  readonly le?: readonly number[];
  readonly count?: ReadonlyArray<number | null>;
  readonly sum?: ReadonlyArray<number | null>;
  /** Per finite bound, its cumulative count over time. */
  readonly buckets?: ReadonlyArray<ReadonlyArray<number | null>>;
}

export interface HistoryJson {
  readonly schema: typeof HISTORY_SCHEMA;
  readonly stepSeconds: number;
  readonly capacity: number;
  /** Bytes the columns and times take now, and at most. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Series seen in the latest sample but not kept, for the column cap. */
  readonly untrackedSeries: number;
  /** Every metric kept, for the page's picker. */
  readonly names: ReadonlyArray<{ readonly name: string; readonly kind: CollectedKind; readonly unit: string }>;
  /** Epoch milliseconds, oldest first. */
  readonly times: readonly number[];
  readonly metrics: ReadonlyArray<{ readonly name: string; readonly kind: CollectedKind; readonly unit: string; readonly series: readonly HistorySeriesJson[] }>;
}

/** See the module comment. */
export class UiHistory {
  readonly stepMillis: number;
  readonly capacity: number;
  readonly maxColumns: number;
  readonly #priority: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #times: Float64Array;
  readonly #metrics = new Map<string, TrackedMetric>();
  #samples = 0;
  #columns = 0;
  #untracked = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sampling = false;
  readonly #scratch: number[] = [];

  constructor(options: UiHistoryOptions = {}) {
    this.stepMillis = options.stepMillis ?? 5000;
    this.capacity = options.capacity ?? 180;
    this.maxColumns = options.maxColumns ?? 1024;
    this.#priority = new Set(options.priority ?? []);
    this.#now = options.now ?? Date.now;
    this.#times = new Float64Array(this.capacity);
  }

  /** Bytes held by columns and times now. */
  get bytes(): number {
    return (this.#columns + 1) * this.capacity * 8;
  }

  /**
   * Whether a collection now would be kept: a step (less a tenth, for timer jitter) since the last
   * point, or a wall clock set back (the times are the page's x axis, so they are wall-clock).
   */
  due(now = this.#now()): boolean {
    const since = now - this.#lastTime();
    return this.#samples === 0 || since < 0 || since >= this.stepMillis * 0.9;
  }

  /** Takes `resourceMetrics` as the next point when one is {@link due}; returns whether it did. */
  offer(resourceMetrics: ResourceMetrics): boolean {
    const now = this.#now();
    if (!this.due(now)) return false;
    this.#sample(resourceMetrics, now);
    return true;
  }

  /**
   * Collects every step when no other collection (a scrape, the page's poll) fed a point. The
   * timer is unref'd, so it never keeps the process alive; {@link stop} ends it.
   */
  start(collect: () => Promise<unknown>): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#sampling || !this.due()) return;
      this.#sampling = true;
      // A failed collection is the scrape's to report; the history just misses a point.
      collect()
        .catch(() => undefined)
        .finally(() => (this.#sampling = false));
    }, this.stepMillis);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #lastTime(): number {
    return this.#times[(this.#samples - 1) % this.capacity] ?? 0;
  }

  #sample(resourceMetrics: ResourceMetrics, now: number): void {
    const slot = this.#samples % this.capacity;
    this.#samples++;
    this.#times[slot] = now;
    // Before writing: a series absent for a ring's worth of points has none left to lose.
    this.#evict();
    for (const metric of this.#metrics.values()) for (const series of metric.series.values()) for (const column of series.columns) column[slot] = Number.NaN;
    this.#untracked = 0;
    // The page's own metrics first: when both bring new series, the cap refuses the user's.
    for (const first of [true, false]) {
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (this.#priority.has(metric.descriptor.name) === first) this.#write(metric, slot);
        }
      }
    }
  }

  #write(data: MetricData, slot: number): void {
    const kind = kindOf(data);
    if (kind === undefined) return;
    const name = data.descriptor.name;
    let metric = this.#metrics.get(name);
    if (metric === undefined) {
      metric = { name, kind, unit: data.descriptor.unit, series: new Map() };
      this.#metrics.set(name, metric);
    }
    const histogram = data.dataPointType === DataPointType.HISTOGRAM || data.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM;
    for (const point of data.dataPoints as ReadonlyArray<DataPoint<number | Histogram | ExponentialHistogram>>) {
      const key = seriesKey(point.attributes);
      let series = metric.series.get(key);
      const buckets = histogram ? bucketsOf(point.value as Histogram | ExponentialHistogram) : undefined;
      if (series === undefined) {
        const width = buckets === undefined ? 1 : buckets.boundaries.length + 2;
        if (this.#columns + width > this.maxColumns) {
          this.#untracked++;
          continue;
        }
        series = { labels: labelsOf(point.attributes), bounds: buckets?.boundaries.slice(), columns: Array.from({ length: width }, () => new Float64Array(this.capacity).fill(Number.NaN)), lastSeen: 0 };
        this.#columns += width;
        metric.series.set(key, series);
      }
      series.lastSeen = this.#samples;
      const { columns } = series;
      if (buckets === undefined) {
        (columns[0] as Float64Array)[slot] = point.value as number;
        continue;
      }
      const value = point.value as Histogram | ExponentialHistogram;
      (columns[0] as Float64Array)[slot] = value.count;
      (columns[1] as Float64Array)[slot] = value.sum ?? Number.NaN;
      // A native histogram whose scale changed has other bounds: its buckets miss this point.
      if (!sameBounds(series.bounds, buckets.boundaries)) continue;
      const cumulative = cumulativeCounts(buckets.counts, this.#scratch);
      for (let i = 0; i + 2 < columns.length; i++) (columns[i + 2] as Float64Array)[slot] = cumulative[i] ?? Number.NaN;
    }
  }

  /** Drops series absent for a whole ring (and metrics left with none), freeing their columns. */
  #evict(): void {
    for (const [name, metric] of this.#metrics) {
      for (const [key, series] of metric.series) {
        if (this.#samples - series.lastSeen < this.capacity) continue;
        metric.series.delete(key);
        this.#columns -= series.columns.length;
      }
      if (metric.series.size === 0) this.#metrics.delete(name);
    }
  }

  /**
   * The points of the metrics in `names`, oldest first, and the name, kind and unit of every
   * metric in `collection` (a metric created since the last point included), else of every
   * metric kept.
   */
  toJson(names: ReadonlySet<string> = new Set(), collection?: ResourceMetrics): HistoryJson {
    const count = Math.min(this.#samples, this.capacity);
    const slots = Array.from({ length: count }, (_, i) => (this.#samples - count + i) % this.capacity);
    const column = (values: Float64Array) => slots.map((slot) => finite(values[slot]));
    const metrics = [...this.#metrics.values()]
      .filter((metric) => names.has(metric.name))
      .map((metric) => ({
        name: metric.name,
        kind: metric.kind,
        unit: metric.unit,
        series: [...metric.series.values()].map((series): HistorySeriesJson => {
          const [first, sum, ...buckets] = series.columns as [Float64Array, ...Float64Array[]];
          if (series.bounds === undefined) return { labels: series.labels, values: column(first) };
          return { labels: series.labels, le: series.bounds, count: column(first), sum: column(sum ?? first), buckets: buckets.map(column) };
        }),
      }));
    return {
      schema: HISTORY_SCHEMA,
      stepSeconds: this.stepMillis / 1000,
      capacity: this.capacity,
      bytes: this.bytes,
      maxBytes: (this.maxColumns + 1) * this.capacity * 8,
      untrackedSeries: this.#untracked,
      names: (collection === undefined ? [...this.#metrics.values()].map(({ name, kind, unit }) => ({ name, kind, unit })) : namesOf(collection)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      times: slots.map((slot) => this.#times[slot] ?? 0),
      metrics,
    };
  }
}

function namesOf(collection: ResourceMetrics): Array<{ name: string; kind: CollectedKind; unit: string }> {
  const out = new Map<string, { name: string; kind: CollectedKind; unit: string }>();
  for (const scope of collection.scopeMetrics) {
    for (const metric of scope.metrics) {
      const kind = kindOf(metric);
      if (kind !== undefined && !out.has(metric.descriptor.name)) out.set(metric.descriptor.name, { name: metric.descriptor.name, kind, unit: metric.descriptor.unit });
    }
  }
  return [...out.values()];
}

/** A series' identity within its metric: its rendered labels (cached per attributes object by the exposition). */
const seriesKey = (attributes: Attributes): string => renderLabels(attributes);

function labelsOf(attributes: Attributes): Record<string, string> {
  const { names, values } = labelPairs(attributes);
  const labels: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) labels[names[i] ?? ''] = values[i] ?? '';
  return labels;
}

function sameBounds(a: readonly number[] | undefined, b: readonly number[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
