/**
 * The one place a collected OTel stream gets its kind. promkit speaks one vocabulary of kinds, the
 * catalogue's {@link MetricKind} (the OpenTelemetry instrument kinds); the facade's and the cells'
 * kinds are subsets of it, and {@link PrometheusKind} is the Prometheus metric type each maps to
 * ({@link prometheusKind}, in `naming.ts`).
 */
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import type { MetricKind } from '../catalogue/types.js';

/** What a collection can tell about a stream: observable kinds look like their synchronous twins. */
export type CollectedKind = Extract<MetricKind, 'counter' | 'updowncounter' | 'gauge' | 'histogram'>;

/**
 * The kind of a collected stream: a monotonic sum is a counter, any other sum an up-down counter;
 * explicit-bucket and exponential (native) histograms are both histograms. Undefined for data
 * point types promkit does not export.
 */
export function kindOf(metric: MetricData): CollectedKind | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'updowncounter';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return 'histogram';
    default:
      return undefined;
  }
}
