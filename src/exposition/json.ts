/**
 * The `/metrics/json` snapshot: every series of one collection as typed JSON, for programs and
 * people who do not run PromQL. Histograms carry p50/p95/p99 estimated from their buckets the
 * way `histogram_quantile` does, so the numbers match a dashboard over the same data. Values
 * are cumulative since start (counters, histograms) or current (gauges), as in the scrape.
 * The schema is versioned by `schema`; fields are only ever added under the same version.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { DataPointType, type DataPoint, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { bucketsOf, cumulativeBuckets } from './buckets.js';
import { labelPairs } from './format.js';
import { kindOf, type CollectedKind } from './kind.js';
import { prometheusKind, prometheusName } from '../naming.js';
import { histogramQuantile } from './quantile.js';

export const METRICS_SNAPSHOT_SCHEMA = 'promkit.metrics/v1';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** One collection. */
export interface MetricsSnapshot {
  readonly schema: typeof METRICS_SNAPSHOT_SCHEMA;
  /** When the collection ran, ISO 8601. */
  readonly timestamp: string;
  /** The resource attributes (what the scrape shows as `target_info`). */
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly metrics: readonly MetricSnapshot[];
}

/** The instrument kind as OpenTelemetry sees it (see `kind.ts`); `updowncounter` is a Prometheus gauge. */
export type SnapshotKind = CollectedKind;

export interface MetricSnapshot {
  /** OpenTelemetry name, e.g. `http.server.request.duration`. */
  readonly name: string;
  /** Prometheus family name as scraped, e.g. `http_server_request_duration_seconds`. */
  readonly prometheusName: string;
  readonly kind: SnapshotKind;
  /** UCUM unit, e.g. `s`, `By`, `{request}`; `''` when none. */
  readonly unit: string;
  readonly description: string;
  /** Instrumentation scope (meter) name. */
  readonly scope: string;
  readonly series: readonly SeriesSnapshot[];
}

interface SeriesBase {
  /** Labels as scraped: Prometheus label names, string values. */
  readonly labels: Readonly<Record<string, string>>;
  /** The same, as OpenTelemetry attributes (original keys and value types). */
  readonly attributes: Readonly<Attributes>;
}

export interface NumberSeries extends SeriesBase {
  readonly value: number | null;
}

export interface HistogramSeries extends SeriesBase {
  readonly count: number;
  readonly sum: number | null;
  /** Cumulative counts per upper bound, the last with `le: "+Inf"`, as in the scrape. */
  readonly buckets: ReadonlyArray<{ readonly le: number | '+Inf'; readonly count: number }>;
  /** `histogram_quantile` estimates; null when the series has no observations. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export type SeriesSnapshot = NumberSeries | HistogramSeries;

export interface JsonSnapshotOptions {
  readonly unitSuffixes?: boolean;
  /** Collection time in epoch milliseconds; default now. */
  readonly timestampMs?: number;
}

/** JSON has no NaN or Infinity; both become null. */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** Prometheus labels as scraped (see `labelPairs`). */
function labelsOf(attributes: Attributes): Record<string, string> {
  const { names, values } = labelPairs(attributes);
  const labels: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) labels[names[i] ?? ''] = values[i] ?? '';
  return labels;
}

function metricSnapshot(metric: MetricData, kind: SnapshotKind, scope: string, options: JsonSnapshotOptions): MetricSnapshot {
  const { descriptor } = metric;
  const naming = options.unitSuffixes === false ? { unitSuffixes: false } : undefined;
  const base = {
    name: descriptor.name,
    prometheusName: prometheusName(descriptor.name, descriptor.unit, prometheusKind(kind), naming),
    kind,
    unit: descriptor.unit,
    description: descriptor.description,
    scope,
  };
  if (metric.dataPointType !== DataPointType.HISTOGRAM && metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) {
    const points = metric.dataPoints as ReadonlyArray<DataPoint<number>>;
    const series = points.map((point) => ({
      labels: labelsOf(point.attributes),
      attributes: point.attributes,
      value: finite(point.value),
    }));
    return { ...base, series };
  }
  // A native histogram shows its exponential buckets as exact classic ones (see `exponentialBuckets`).
  const points = metric.dataPoints as ReadonlyArray<DataPoint<Parameters<typeof bucketsOf>[0]>>;
  const series = points.map((point): HistogramSeries => {
    const { boundaries, counts } = bucketsOf(point.value);
    const buckets = cumulativeBuckets({ boundaries, counts }).map(({ le, count }) => ({ le: le === Infinity ? ('+Inf' as const) : le, count }));
    return {
      labels: labelsOf(point.attributes),
      attributes: point.attributes,
      count: point.value.count,
      sum: finite(point.value.sum),
      buckets,
      p50: finite(histogramQuantile(0.5, boundaries, counts)),
      p95: finite(histogramQuantile(0.95, boundaries, counts)),
      p99: finite(histogramQuantile(0.99, boundaries, counts)),
    };
  });
  return { ...base, series };
}

/** The snapshot of one collection; a pure function of its input. */
export function toJsonSnapshot(resourceMetrics: ResourceMetrics, options: JsonSnapshotOptions = {}): MetricsSnapshot {
  const metrics: MetricSnapshot[] = [];
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    for (const metric of scopeMetrics.metrics) {
      const kind = kindOf(metric);
      if (kind === undefined) continue;
      metrics.push(metricSnapshot(metric, kind, scopeMetrics.scope.name, options));
    }
  }
  return {
    schema: METRICS_SNAPSHOT_SCHEMA,
    timestamp: new Date(options.timestampMs ?? Date.now()).toISOString(),
    resource: { ...(resourceMetrics.resource.attributes as Record<string, AttributeValue>) },
    metrics,
  };
}
