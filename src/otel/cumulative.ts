/**
 * The cumulative state promkit's reader keeps for metrics the SDK aggregates (raw OTel
 * instruments on promkit's meter provider, observable instruments, native histograms).
 *
 * The SDK checks its cardinality limit against the series of one collection interval: under
 * cumulative temporality each collection could admit `limit - 1` new series into the state it
 * keeps forever. So the reader asks the SDK for delta temporality and keeps the cumulative state
 * here, where the cap holds for the life of the process: at most `limit - 1` label sets per
 * metric plus the one `otel.metric.overflow=true` series, into which the deltas of refused label
 * sets are added (totals stay exact). Sums add, gauges keep their last value, explicit-bucket
 * histograms add bucket by bucket, exponential histograms merge at their common scale. A series
 * starts at the first delta seen for it.
 *
 * With a series TTL, a series that received no delta for that long is removed.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import type { InstrumentationScope } from '@opentelemetry/core';
import { NATIVE_HISTOGRAM_MAX_SIZE } from '../limits.js';

/** Called once per refused label set per collection: its metric (OTel name) and a description of why, computed on demand. */
export type CardinalityRefusal = (metric: string, detail: () => string) => void;

export interface CumulativeStateOptions {
  readonly cardinalityLimit: number;
  readonly onRefused?: CardinalityRefusal;
  /** Seconds without a delta before a series is removed; default never. */
  readonly seriesTtl?: number;
  /** Seconds, for the TTL; default `performance.now() / 1000`. */
  readonly now?: () => number;
}

type Value = number | Histogram | ExponentialHistogram;

interface Series {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  endTime: HrTime;
  value: Value;
  /** Clock seconds of the last delta. */
  seen: number;
}

interface MetricState {
  metric: MetricData;
  readonly series: Map<string, Series>;
  overflow: Series | undefined;
}

interface ScopeState {
  readonly scope: InstrumentationScope;
  readonly metrics: Map<string, MetricState>;
}

const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

export class CumulativeState {
  readonly #scopes = new Map<string, ScopeState>();
  readonly #options: CumulativeStateOptions;

  constructor(options: CumulativeStateOptions) {
    this.#options = options;
  }

  /**
   * Adds the delta metrics of one collection to the state and returns the collection as cumulative
   * data: every series kept so far, then the metrics that were cumulative already (promkit's cells), untouched.
   */
  apply(collected: ResourceMetrics): ResourceMetrics {
    const now = (this.#options.now ?? defaultNow)();
    const passed: ScopeMetrics[] = [];
    for (const scopeMetrics of collected.scopeMetrics) {
      const cumulative: MetricData[] = [];
      for (const metric of scopeMetrics.metrics) {
        if (metric.aggregationTemporality === AggregationTemporality.DELTA) {
          this.#add(scopeMetrics.scope, metric, now);
        } else cumulative.push(metric);
      }
      if (cumulative.length > 0) passed.push({ scope: scopeMetrics.scope, metrics: cumulative });
    }
    const ttl = this.#options.seriesTtl;
    const scopeMetrics: ScopeMetrics[] = [];
    for (const state of this.#scopes.values()) {
      const metrics: MetricData[] = [];
      for (const metricState of state.metrics.values()) {
        if (ttl !== undefined) expire(metricState, now, ttl);
        const points: DataPoint<Value>[] = [];
        for (const series of metricState.series.values()) points.push(pointOf(series));
        if (metricState.overflow !== undefined) points.push(pointOf(metricState.overflow));
        if (points.length === 0) continue;
        metrics.push({ ...metricState.metric, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: points } as MetricData);
      }
      if (metrics.length > 0) scopeMetrics.push({ scope: state.scope, metrics });
    }
    return { resource: collected.resource, scopeMetrics: scopeMetrics.concat(passed) };
  }

  #add(scope: InstrumentationScope, metric: MetricData, now: number): void {
    const scopeKey = `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
    let scopeState = this.#scopes.get(scopeKey);
    if (scopeState === undefined) this.#scopes.set(scopeKey, (scopeState = { scope, metrics: new Map() }));
    const metricKey = `${metric.descriptor.name}\u0000${metric.dataPointType}`;
    let state = scopeState.metrics.get(metricKey);
    if (state === undefined) scopeState.metrics.set(metricKey, (state = { metric, series: new Map(), overflow: undefined }));
    state.metric = metric;
    const limit = this.#options.cardinalityLimit;
    for (const point of metric.dataPoints as DataPoint<Value>[]) {
      const overflowing = point.attributes['otel.metric.overflow'] === true;
      // Label sets the SDK folded within one interval (past its own, larger limit) count once.
      if (overflowing) this.#options.onRefused?.(metric.descriptor.name, () => refusalDetail(state.series, limit));
      const key = overflowing ? '' : seriesKey(point.attributes);
      let series = overflowing ? state.overflow : state.series.get(key);
      if (series === undefined && !overflowing && state.series.size >= limit - 1) {
        const name = metric.descriptor.name;
        const kept = state.series;
        this.#options.onRefused?.(name, () => refusalDetail(kept, limit));
        series = state.overflow;
        if (series === undefined) {
          state.overflow = fresh(OVERFLOW, point, now);
          continue;
        }
      }
      if (series === undefined) {
        series = fresh(overflowing ? OVERFLOW : point.attributes, point, now);
        if (overflowing) state.overflow = series;
        else state.series.set(key, series);
        continue;
      }
      series.value = merge(metric.dataPointType, series.value, point.value);
      series.endTime = point.endTime;
      series.seen = now;
    }
  }
}

function defaultNow(): number {
  return performance.now() / 1000;
}

function fresh(attributes: Attributes, point: DataPoint<Value>, now: number): Series {
  return { attributes, startTime: point.startTime, endTime: point.endTime, value: copyValue(point.value), seen: now };
}

function pointOf(series: Series): DataPoint<Value> {
  return { attributes: series.attributes, startTime: series.startTime, endTime: series.endTime, value: copyValue(series.value) };
}

function expire(state: MetricState, now: number, ttl: number): void {
  for (const [key, series] of state.series) if (now - series.seen >= ttl) state.series.delete(key);
  if (state.overflow !== undefined && now - state.overflow.seen >= ttl) state.overflow = undefined;
}

/** One key per label set, whatever the key order. */
function seriesKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((key) => [key, attributes[key]]));
}

function refusalDetail(series: Map<string, Series>, limit: number): string {
  const distinct = new Map<string, Set<unknown>>();
  for (const { attributes } of series.values()) {
    for (const key of Object.keys(attributes)) {
      let values = distinct.get(key);
      if (values === undefined) distinct.set(key, (values = new Set()));
      values.add(String(attributes[key]));
    }
  }
  let churn: [string, number] | undefined;
  for (const [key, values] of distinct) if (churn === undefined || values.size > churn[1]) churn = [key, values.size];
  return (
    `the metric already has ${series.size} label sets (cardinality limit ${limit}); new label sets are recorded in the otel_metric_overflow="true" series` +
    (churn === undefined ? '' : `; label "${churn[0]}" has the most distinct values (${churn[1]})`)
  );
}

function copyValue(value: Value): Value {
  if (typeof value === 'number') return value;
  if ('buckets' in value) return { ...value, buckets: { boundaries: value.buckets.boundaries, counts: value.buckets.counts.slice() } };
  return {
    ...value,
    positive: { offset: value.positive.offset, bucketCounts: value.positive.bucketCounts.slice() },
    negative: { offset: value.negative.offset, bucketCounts: value.negative.bucketCounts.slice() },
  };
}

function merge(type: DataPointType, into: Value, delta: Value): Value {
  switch (type) {
    case DataPointType.SUM:
      return (into as number) + (delta as number);
    case DataPointType.GAUGE:
      return delta;
    case DataPointType.HISTOGRAM:
      return mergeHistogram(into as Histogram, delta as Histogram);
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return mergeExponential(into as ExponentialHistogram, delta as ExponentialHistogram);
  }
}

function mergeMinMax<T extends { min?: number; max?: number }>(into: T, delta: T): void {
  if (delta.min !== undefined && (into.min === undefined || delta.min < into.min)) into.min = delta.min;
  if (delta.max !== undefined && (into.max === undefined || delta.max > into.max)) into.max = delta.max;
}

function mergeHistogram(into: Histogram, delta: Histogram): Histogram {
  const counts = into.buckets.counts;
  const added = delta.buckets.counts;
  // A view's boundaries are fixed for the life of the instrument, so the bucket lists line up.
  for (let i = 0; i < added.length; i++) counts[i] = (counts[i] ?? 0) + (added[i] as number);
  into.count += delta.count;
  if (delta.sum !== undefined) into.sum = (into.sum ?? 0) + delta.sum;
  mergeMinMax(into, delta);
  return into;
}

type Buckets = ExponentialHistogram['positive'];

/**
 * Adds an exponential-histogram delta: both sides go to the smaller scale (each step down halves
 * the index: bucket i becomes i >> 1), and further down while the merged range would exceed the
 * SDK's bucket budget, then the counts add.
 */
export function mergeExponential(into: ExponentialHistogram, delta: ExponentialHistogram): ExponentialHistogram {
  let scale = Math.min(into.scale, delta.scale);
  for (const side of ['positive', 'negative'] as const) {
    const a = into[side];
    const b = delta[side];
    let low = Infinity;
    let high = -Infinity;
    for (const [buckets, from] of [
      [a, into.scale],
      [b, delta.scale],
    ] as const) {
      if (buckets.bucketCounts.length === 0) continue;
      low = Math.min(low, buckets.offset >> (from - scale));
      high = Math.max(high, (buckets.offset + buckets.bucketCounts.length - 1) >> (from - scale));
    }
    while (high - low + 1 > NATIVE_HISTOGRAM_MAX_SIZE) {
      scale--;
      low >>= 1;
      high >>= 1;
    }
  }
  into.positive = rescaled(into.positive, into.scale, delta.positive, delta.scale, scale);
  into.negative = rescaled(into.negative, into.scale, delta.negative, delta.scale, scale);
  into.scale = scale;
  into.count += delta.count;
  into.zeroCount += delta.zeroCount;
  if (delta.sum !== undefined) into.sum = (into.sum ?? 0) + delta.sum;
  mergeMinMax(into, delta);
  return into;
}

function rescaled(a: Buckets, aScale: number, b: Buckets, bScale: number, scale: number): Buckets {
  const counts = new Map<number, number>();
  let low = Infinity;
  let high = -Infinity;
  for (const [buckets, from] of [
    [a, aScale],
    [b, bScale],
  ] as const) {
    const shift = from - scale;
    for (let i = 0; i < buckets.bucketCounts.length; i++) {
      const count = buckets.bucketCounts[i] as number;
      if (count === 0) continue;
      const index = (buckets.offset + i) >> shift;
      counts.set(index, (counts.get(index) ?? 0) + count);
      if (index < low) low = index;
      if (index > high) high = index;
    }
  }
  if (counts.size === 0) return { offset: 0, bucketCounts: [] };
  const bucketCounts = new Array<number>(high - low + 1).fill(0);
  for (const [index, count] of counts) bucketCounts[index - low] = count;
  return { offset: low, bucketCounts };
}
