/**
 * The `/metrics/json` snapshot: every series of one collection as typed JSON, for programs and
 * people who do not run PromQL. Histograms carry p50/p95/p99 estimated from their buckets the
 * way `histogram_quantile` does, so the numbers match a dashboard over the same data. Values
 * are cumulative since start (counters, histograms) or current (gauges), as in the scrape.
 * The schema is versioned by `schema`; fields are only ever added under the same version.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { DataPointType, type DataPoint, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { prometheusLabelName, prometheusName, type PrometheusKind } from './naming.js';
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

/** The instrument kind as OpenTelemetry sees it; `updowncounter` is a Prometheus gauge. */
export type SnapshotKind = 'counter' | 'updowncounter' | 'gauge' | 'histogram';

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

function kindOf(metric: MetricData): SnapshotKind | undefined {
  if (metric.dataPointType === DataPointType.SUM) return metric.isMonotonic ? 'counter' : 'updowncounter';
  if (metric.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (metric.dataPointType === DataPointType.HISTOGRAM) return 'histogram';
  return undefined;
}

/** Prometheus labels; two keys that sanitise alike are joined with `;` in key order, as in the text format. */
function labelsOf(attributes: Attributes): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const name = prometheusLabelName(key);
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    labels[name] = Object.hasOwn(labels, name) ? `${labels[name]};${text}` : text;
  }
  return labels;
}

function metricSnapshot(metric: MetricData, kind: SnapshotKind, scope: string, options: JsonSnapshotOptions): MetricSnapshot {
  const { descriptor } = metric;
  const promKind: PrometheusKind = kind === 'updowncounter' ? 'gauge' : kind;
  const naming = options.unitSuffixes === false ? { unitSuffixes: false } : undefined;
  const base = {
    name: descriptor.name,
    prometheusName: prometheusName(descriptor.name, descriptor.unit, promKind, naming),
    kind,
    unit: descriptor.unit,
    description: descriptor.description,
    scope,
  };
  if (metric.dataPointType !== DataPointType.HISTOGRAM) {
    // SUM or GAUGE here: exponential histograms were skipped by kindOf.
    const points = metric.dataPoints as ReadonlyArray<DataPoint<number>>;
    const series = points.map((point) => ({
      labels: labelsOf(point.attributes),
      attributes: point.attributes,
      value: finite(point.value),
    }));
    return { ...base, series };
  }
  const series = metric.dataPoints.map((point): HistogramSeries => {
    const { boundaries, counts } = point.value.buckets;
    let cumulative = 0;
    const buckets = counts.map((count, i) => {
      cumulative += count;
      const le = boundaries[i];
      return { le: le === undefined ? ('+Inf' as const) : le, count: cumulative };
    });
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
      // Exponential histograms are never configured by promkit; like the text format, skip them.
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
