/**
 * Reports promkit's histogram cells (bound histograms and the HTTP server metrics, see
 * `histogram-cells.ts`) to OpenTelemetry as an SDK `MetricProducer`: the reader adds them to
 * every collection beside the SDK's own metrics, so exporters and promkit's exposition see
 * ordinary cumulative histogram streams under the instrument's meter (scope) name. A metric that
 * also has SDK-recorded series (unbound `record` calls) appears in two parts with equal
 * boundaries, which the exposition merges into one family.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { hrNow, type HistogramCell, type HistogramCellSet } from './histogram-cells.js';

/** A histogram whose cells a producer reports, as its instrument describes it. */
export interface ReportedHistogram {
  /** The meter (scope) the instrument belongs to. */
  readonly meterName: string;
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly cells: HistogramCellSet;
}

export class CellProducer implements MetricProducer {
  readonly #histograms = new Set<ReportedHistogram>();

  /** Reports `histogram` from the next collection on; idempotent. */
  add(histogram: ReportedHistogram): void {
    this.#histograms.add(histogram);
  }

  /** Stops reporting `histogram` (its facade moved to another producer). */
  delete(histogram: ReportedHistogram): void {
    this.#histograms.delete(histogram);
  }

  /** A snapshot of every cell: later records do not change what this collection returns. */
  collect(): Promise<CollectionResult> {
    const endTime = hrNow();
    const byScope = new Map<string, ScopeMetrics>();
    for (const histogram of this.#histograms) {
      const cells = histogram.cells.cells;
      if (cells.length === 0) continue;
      const boundaries = histogram.cells.boundaries as number[];
      const dataPoints: DataPoint<Histogram>[] = [];
      // A cell with nothing recorded is no series yet, as with the SDK (a bound handle never used, a refused first value).
      for (const cell of cells) if (cell.count > 0) dataPoints.push(pointOf(cell, boundaries, endTime));
      if (dataPoints.length === 0) continue;
      const metric: HistogramMetricData = {
        descriptor: { name: histogram.name, description: histogram.description, unit: histogram.unit, valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      };
      let scope = byScope.get(histogram.meterName);
      if (scope === undefined) {
        scope = { scope: { name: histogram.meterName }, metrics: [] };
        byScope.set(histogram.meterName, scope);
      }
      scope.metrics.push(metric);
    }
    // The reader keeps the SDK's resource; this one only fills the type.
    return Promise.resolve({ resourceMetrics: { resource: emptyResource(), scopeMetrics: [...byScope.values()] }, errors: [] });
  }
}

function pointOf(cell: HistogramCell, boundaries: number[], endTime: HrTime): DataPoint<Histogram> {
  return {
    attributes: cell.attributes,
    startTime: cell.startTime,
    endTime,
    value: {
      buckets: { boundaries, counts: cell.counts.slice() },
      sum: cell.sum,
      count: cell.count,
      min: cell.min,
      max: cell.max,
    },
  };
}
