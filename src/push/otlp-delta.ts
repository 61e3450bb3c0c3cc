/**
 * Delta temporality for series promkit keeps itself. The SDK's own instruments follow the OTLP
 * exporter's temporality preference (`OTEL_EXPORTER_METRICS_TEMPORALITY_PREFERENCE=delta`), but
 * promkit's histogram cells (`http.server.request.duration` among them) reach the reader through a
 * metric producer as cumulative totals, whatever the exporter asked for. This turns each such
 * cumulative series into the difference from its previous export, per series, so a delta
 * backend sees one temporality.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram,
  InstrumentType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

type Previous = { readonly value: number | Histogram; readonly endTime: DataPoint<unknown>['endTime'] };

/**
 * A converter for one exporter: `wantsDelta(type)` is the exporter's preference for an
 * instrument type. Sums and explicit-bucket histograms reported cumulative are converted;
 * exponential histograms are passed through unchanged (their scale may change between exports).
 */
export function cumulativeToDelta(wantsDelta: (type: InstrumentType) => boolean): (metrics: ResourceMetrics) => ResourceMetrics {
  const previous = new Map<string, Previous>();
  return (resourceMetrics) => ({
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map((metric) => {
        if (metric.aggregationTemporality !== AggregationTemporality.CUMULATIVE) return metric;
        // The instrument type the exporter's preference is stated for; up-down sums stay cumulative under every preference.
        const type =
          metric.dataPointType === DataPointType.HISTOGRAM ? InstrumentType.HISTOGRAM : metric.dataPointType === DataPointType.SUM && metric.isMonotonic ? InstrumentType.COUNTER : undefined;
        if (type === undefined || !wantsDelta(type)) return metric;
        const prefix = `${scope.scope.name}\u0000${scope.scope.version ?? ''}\u0000${metric.descriptor.name}\u0000`;
        const dataPoints = (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => {
          const key = prefix + attributesKey(point.attributes);
          const before = previous.get(key);
          previous.set(key, { value: point.value, endTime: point.endTime });
          return { ...point, startTime: before?.endTime ?? point.startTime, value: subtract(point.value, before?.value) };
        });
        return { ...metric, aggregationTemporality: AggregationTemporality.DELTA, dataPoints } as MetricData;
      }),
    })),
  });
}

/** `now - before`, or `now` whole when there is no earlier value or it went down (a reset). */
function subtract(now: number | Histogram, before: number | Histogram | undefined): number | Histogram {
  if (typeof now === 'number') {
    return typeof before === 'number' && before <= now ? now - before : now;
  }
  if (before === undefined || typeof before === 'number' || before.count > now.count || before.buckets.counts.length !== now.buckets.counts.length) {
    return now;
  }
  return {
    buckets: { boundaries: now.buckets.boundaries, counts: now.buckets.counts.map((count, i) => count - before.buckets.counts[i]!) },
    count: now.count - before.count,
    // The interval's own extremes (min, max) are unknown from two totals: left out rather than misreported.
    ...(now.sum !== undefined && { sum: now.sum - (before.sum ?? 0) }),
  };
}

/** A series' identity within its metric: its attributes in key order. */
function attributesKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((key) => [key, attributes[key]]));
}
