/**
 * Reports promkit's cells to OpenTelemetry as an SDK `MetricProducer`: every facade counter,
 * up-down counter, gauge and classic histogram, bound or not (see `series.ts`, `cells.ts`,
 * `histogram-cells.ts`). The reader adds them to every collection beside the SDK's own metrics
 * (native histograms, raw OTel instruments, observable gauges), so exporters and promkit's
 * exposition see ordinary cumulative streams under the instrument's meter (scope) name.
 *
 * With a series TTL each collection first sweeps idle series out (see {@link SeriesStore.sweep}).
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { GaugeCell, type CounterCell, type UpDownCounterCell } from './cells.js';
import { recheckSpans } from './exemplars.js';
import { hrNow } from './hr-time.js';
import type { HistogramCell, HistogramCellSet } from './histogram-cells.js';
import type { SeriesStore } from './series.js';

interface Described {
  /** The meter (scope) the instrument belongs to. */
  readonly meterName: string;
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

/** A histogram whose cells a producer reports, as its instrument describes it. */
export interface ReportedHistogram extends Described {
  readonly kind?: 'histogram';
  readonly cells: HistogramCellSet;
}

/** A counter, up-down counter or gauge whose cells a producer reports. */
export interface ReportedValues extends Described {
  readonly kind: 'counter' | 'updowncounter' | 'gauge';
  readonly cells: SeriesStore<CounterCell | UpDownCounterCell | GaugeCell>;
}

export type ReportedMetric = ReportedHistogram | ReportedValues;

export interface CellProducerOptions {
  /** Seconds a series may go unwritten before it is removed; default: never. */
  readonly seriesTtl?: number;
}

export class CellProducer implements MetricProducer {
  readonly #metrics = new Set<ReportedMetric>();
  /** Seconds; undefined: series never expire. */
  seriesTtl: number | undefined;

  constructor(options: CellProducerOptions = {}) {
    this.seriesTtl = options.seriesTtl;
  }

  /** Reports `metric` from the next collection on; idempotent. */
  add(metric: ReportedMetric): void {
    this.#metrics.add(metric);
  }

  /** Stops reporting `metric` (its facade moved to another producer). */
  delete(metric: ReportedMetric): void {
    this.#metrics.delete(metric);
  }

  /** A snapshot of every cell: later records do not change what this collection returns. */
  collect(): Promise<CollectionResult> {
    recheckSpans();
    const endTime = hrNow();
    const ttl = this.seriesTtl;
    const byScope = new Map<string, ScopeMetrics>();
    for (const reported of this.#metrics) {
      if (ttl !== undefined) reported.cells.sweep(ttl);
      const metric = reported.kind === undefined || reported.kind === 'histogram' ? histogramOf(reported as ReportedHistogram, endTime) : valuesOf(reported as ReportedValues, endTime);
      if (metric === undefined) continue;
      let scope = byScope.get(reported.meterName);
      if (scope === undefined) {
        scope = { scope: { name: reported.meterName }, metrics: [] };
        byScope.set(reported.meterName, scope);
      }
      scope.metrics.push(metric);
    }
    // The reader keeps the SDK's resource; this one only fills the type.
    return Promise.resolve({ resourceMetrics: { resource: emptyResource(), scopeMetrics: [...byScope.values()] }, errors: [] });
  }
}

function descriptor(reported: Described): MetricData['descriptor'] {
  return { name: reported.name, description: reported.description, unit: reported.unit, valueType: ValueType.DOUBLE };
}

function histogramOf(histogram: ReportedHistogram, endTime: HrTime): MetricData | undefined {
  const cells = histogram.cells.cells;
  if (cells.length === 0) return undefined;
  const boundaries = histogram.cells.boundaries as number[];
  const dataPoints: DataPoint<Histogram>[] = [];
  // A cell with nothing recorded is no series yet, as with the SDK (a bound handle never used, a refused first value).
  for (const cell of cells) if (cell.count > 0) dataPoints.push(pointOf(cell, boundaries, endTime));
  if (dataPoints.length === 0) return undefined;
  return { descriptor: descriptor(histogram), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints };
}

function valuesOf(reported: ReportedValues, endTime: HrTime): MetricData | undefined {
  const dataPoints: DataPoint<number>[] = [];
  for (const cell of reported.cells.cells) {
    if (cell instanceof GaugeCell) cell.refresh();
    // An unset gauge (NaN) is no series, as a bound gauge never set reports nothing.
    if (cell.value === cell.value) dataPoints.push({ attributes: cell.attributes, startTime: cell.startTime, endTime, value: cell.value });
  }
  if (dataPoints.length === 0) return undefined;
  if (reported.kind === 'gauge') {
    return { descriptor: descriptor(reported), aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
  }
  return {
    descriptor: descriptor(reported),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: reported.kind === 'counter',
    dataPoints,
  };
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
