/**
 * Reading single values out of a collection, for assertions. Series are found by OpenTelemetry
 * name and an exact label match: the same keys, values compared as strings (as the scrape shows
 * them), so `{ 'http.response.status_code': 200 }` and `'200'` both match.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type DataPoint, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

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

export function readHistogram(resourceMetrics: ResourceMetrics, name: string, labels: LabelMatch = {}): HistogramSnapshot | undefined {
  let found: { boundaries: readonly number[]; counts: number[]; count: number; sum: number } | undefined;
  // Streams of one name add up, as in the scrape: bound handles (promkit's cells) and unbound records (the SDK) are two.
  for (const metric of findMetrics(resourceMetrics, name)) {
    if (metric.dataPointType !== DataPointType.HISTOGRAM) {
      throw new TypeError(`"${name}" is not an explicit-bucket histogram; read it with getValue()`);
    }
    const point = findPoint<Histogram>(metric.dataPoints, labels);
    if (point === undefined) continue;
    const { boundaries, counts } = point.value.buckets;
    if (found === undefined) {
      found = { boundaries, counts: [...counts], count: point.value.count, sum: point.value.sum ?? 0 };
      continue;
    }
    for (let i = 0; i < found.counts.length; i++) found.counts[i] = (found.counts[i] ?? 0) + (counts[i] ?? 0);
    found.count += point.value.count;
    found.sum += point.value.sum ?? 0;
  }
  if (found === undefined) return undefined;
  const { boundaries } = found;
  let cumulative = 0;
  const buckets = found.counts.map((count, i) => {
    cumulative += count;
    return { le: boundaries[i] ?? Infinity, count: cumulative };
  });
  return { count: found.count, sum: found.sum, buckets };
}
