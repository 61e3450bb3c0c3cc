/**
 * Reports the layer's registered metrics to a running promkit as an OpenTelemetry
 * `MetricProducer`, under the scope `promkit.prom-client`: counters as monotonic sums, gauges as
 * gauges, histograms as histograms (same buckets), from each metric's `get()` (so `collect()`
 * runs first, as on a prom-client scrape). OpenTelemetry has no summary point: a `Summary` is
 * reported as gauges, `name{quantile="…"}`, `name_sum` and `name_count`, which promkit's endpoint
 * writes as the same samples prom-client writes (under `# TYPE … gauge`).
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram as OtelHistogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { settlesBeforeDeadline } from '../record/collection-deadline.js';
import { countDrop } from './policy.js';
import type { MetricObject } from './registry.js';
import type { MetricObjectWithValues, MetricValue } from './render.js';
import { currentBinding } from './bridge.js';
import { isRuntimeTwin, reportedMetrics } from './reported.js';

export const PROM_CLIENT_SCOPE = 'promkit.prom-client';

function hrNow(): HrTime {
  const millis = performance.timeOrigin + performance.now();
  return [Math.floor(millis / 1000), Math.round((millis % 1000) * 1e6)];
}

/** When the layer loaded: the start of every cumulative series it reports. */
const START = hrNow();

export class PromClientProducer implements MetricProducer {
  constructor(private readonly metrics: () => MetricObject[] = reportedMetrics) {}

  async collect(): Promise<CollectionResult> {
    const errors: unknown[] = [];
    const endTime = hrNow();
    // promkit's own runtime set wins over collectDefaultMetrics()'s metric of the same name.
    const runtimeNames = currentBinding()?.runtimeNames;
    const metrics = this.metrics().filter((metric) => runtimeNames === undefined || !runtimeNames.has(metric.name) || !isRuntimeTwin(metric));
    const results = await Promise.all(
      metrics.map(async (metric) => {
        try {
          const pending = metric.get();
          // An async collect() still running at the collection's deadline: this metric sits out, the scrape answers.
          if (!(await settlesBeforeDeadline(pending))) {
            countDrop(metric.name, 'callback_timeout', "collect() did not finish before the collection's deadline");
            return undefined;
          }
          return await pending;
        } catch (error) {
          // The metric is left out of this collection; the rest is served.
          countDrop(metric.name, 'callback_error', `collect() threw ${error instanceof Error ? error.message : String(error)}`);
          errors.push(error);
          return undefined;
        }
      }),
    );
    const out: MetricData[] = [];
    for (const data of results) if (data !== undefined) out.push(...toMetricData(data, endTime));
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: out.length === 0 ? [] : [{ scope: { name: PROM_CLIENT_SCOPE }, metrics: out }] }, errors };
  }
}

/** One prom-client `get()` result as OpenTelemetry metric data (several for a summary). */
export function toMetricData(data: MetricObjectWithValues, endTime: HrTime): MetricData[] {
  const descriptor = (name: string) => ({ name, description: data.help, unit: '', valueType: ValueType.DOUBLE });
  const numberPoints = (values: readonly MetricValue[]): DataPoint<number>[] =>
    values.map((v) => ({ attributes: v.labels as Attributes, startTime: START, endTime, value: v.value }));
  switch (data.type) {
    case 'counter':
      return [
        {
          descriptor: descriptor(data.name),
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: numberPoints(data.values),
        },
      ];
    case 'histogram':
      return [
        {
          descriptor: descriptor(data.name),
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(data, endTime),
        },
      ];
    case 'summary': {
      const gauge = (name: string, values: readonly MetricValue[]): MetricData => ({
        descriptor: descriptor(name),
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: numberPoints(values),
      });
      const of = (suffix: string) => data.values.filter((v) => (v.metricName ?? data.name) === data.name + suffix);
      return [gauge(data.name, of('')), gauge(`${data.name}_sum`, of('_sum')), gauge(`${data.name}_count`, of('_count'))].filter((m) => m.dataPoints.length > 0);
    }
    default:
      return [{ descriptor: descriptor(data.name), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: numberPoints(data.values) }];
  }
}

/** Histogram samples (cumulative `_bucket` with `le`, `_sum`, `_count`) back into per-bucket points. */
function histogramPoints(data: MetricObjectWithValues, endTime: HrTime): DataPoint<OtelHistogram>[] {
  const series = new Map<string, { attributes: Attributes; bounds: number[]; cumulative: number[]; sum: number; count: number }>();
  for (const value of data.values) {
    const { le, ...labels } = value.labels as Record<string, string | number>;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let entry = series.get(key);
    if (entry === undefined) series.set(key, (entry = { attributes: labels, bounds: [], cumulative: [], sum: 0, count: 0 }));
    const name = value.metricName ?? data.name;
    if (name.endsWith('_bucket') && le !== undefined && le !== '+Inf') {
      entry.bounds.push(Number(le));
      entry.cumulative.push(value.value);
    } else if (name.endsWith('_sum')) entry.sum = value.value;
    else if (name.endsWith('_count')) entry.count = value.value;
  }
  const points: DataPoint<OtelHistogram>[] = [];
  for (const { attributes, bounds, cumulative, sum, count } of series.values()) {
    const counts = cumulative.map((c, i) => c - (i === 0 ? 0 : (cumulative[i - 1] as number)));
    counts.push(count - (cumulative[cumulative.length - 1] ?? 0));
    points.push({ attributes, startTime: START, endTime, value: { buckets: { boundaries: bounds, counts }, sum, count } });
  }
  return points;
}
