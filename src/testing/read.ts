/**
 * Reading single values out of a collection, for assertions. Series are found by OpenTelemetry
 * name and an exact label match: the same keys, values compared as strings (as the scrape shows
 * them), so `{ 'http.response.status_code': 200 }` and `'200'` both match.
 */
import type { Attributes } from '@opentelemetry/api';
import { bucketsOf, cumulativeBuckets } from '../exposition/buckets.js';
import { DataPointType, type DataPoint, type ExponentialHistogram, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

export type LabelMatch = Readonly<Record<string, string | number | boolean>>;

/** A histogram series as Prometheus shows it: cumulative bucket counts, the last with `le: Infinity`. */
export interface HistogramSnapshot {
  readonly count: number;
  readonly sum: number;
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>;
}

export function findMetric(resourceMetrics: ResourceMetrics, name: string): MetricData | undefined {
  return findMetrics(resourceMetrics, name)[0];
}

/**
 * Every stream of that name: one metric can come from two scopes (bound handles report from
 * `<meter>.bound`, and instrumentation libraries from their own meters), as the scrape merges them.
 */
export function findMetrics(resourceMetrics: ResourceMetrics, name: string): MetricData[] {
  const found: MetricData[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) found.push(metric);
    }
  }
  return found;
}

function matches(attributes: Attributes, labels: LabelMatch): boolean {
  const keys = Object.keys(attributes);
  if (keys.length !== Object.keys(labels).length) return false;
  return keys.every((key) => Object.hasOwn(labels, key) && String(labels[key]) === String(attributes[key]));
}

function findPoint<T>(points: ReadonlyArray<DataPoint<T>>, labels: LabelMatch): DataPoint<T> | undefined {
  return points.find((point) => matches(point.attributes, labels));
}

/** The value of a counter, up-down counter or gauge series; undefined if there is no such series. */
export function readValue(resourceMetrics: ResourceMetrics, name: string, labels: LabelMatch = {}): number | undefined {
  let value: number | undefined;
  for (const metric of findMetrics(resourceMetrics, name)) {
    if (metric.dataPointType !== DataPointType.SUM && metric.dataPointType !== DataPointType.GAUGE) {
      throw new TypeError(`"${name}" is a histogram; read it with getHistogram()`);
    }
    const point = findPoint(metric.dataPoints, labels);
    if (point === undefined) continue;
    // Sums from several streams add up, as in the scrape; a gauge shows the last stream's value.
    value = metric.dataPointType === DataPointType.SUM && value !== undefined ? value + point.value : point.value;
  }
  return value;
}

/**
 * A histogram series. A native histogram that keeps classic buckets is read from its classic
 * stream; a native-only one shows its exponential buckets as classic ones (see `exponentialBuckets`).
 */
export function readHistogram(resourceMetrics: ResourceMetrics, name: string, labels: LabelMatch = {}): HistogramSnapshot | undefined {
  const found = findMetrics(resourceMetrics, name);
  if (found.length === 0) return undefined;
  const explicit = found.filter((m) => m.dataPointType === DataPointType.HISTOGRAM);
  // A native-only histogram has exponential buckets alone; they read as classic ones (bucketsOf).
  const streams = explicit.length > 0 ? explicit : found.filter((m) => m.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM);
  if (streams.length === 0) throw new TypeError(`"${name}" is not a histogram; read it with getValue()`);
  let total: { boundaries: readonly number[]; counts: number[]; count: number; sum: number } | undefined;
  // Streams of one name add up, as in the scrape: bound handles (promkit's cells) and unbound records (the SDK) are two.
  for (const metric of streams) {
    const point = findPoint<Histogram | ExponentialHistogram>(metric.dataPoints as ReadonlyArray<DataPoint<Histogram | ExponentialHistogram>>, labels);
    if (point === undefined) continue;
    const { boundaries, counts } = bucketsOf(point.value);
    if (total === undefined) {
      total = { boundaries, counts: [...counts], count: point.value.count, sum: point.value.sum ?? 0 };
      continue;
    }
    for (let i = 0; i < total.counts.length; i++) total.counts[i] = (total.counts[i] ?? 0) + (counts[i] ?? 0);
    total.count += point.value.count;
    total.sum += point.value.sum ?? 0;
  }
  if (total === undefined) return undefined;
  return { count: total.count, sum: total.sum, buckets: cumulativeBuckets(total) };
}
