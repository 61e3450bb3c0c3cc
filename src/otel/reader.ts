import { AggregationTemporality, InstrumentType, MetricReader, type CollectionResult, type MetricProducer } from '@opentelemetry/sdk-metrics';

type CollectionOptions = Parameters<MetricReader['collect']>[0];

import { DEFAULT_CARDINALITY_LIMIT } from '../limits.js';
import { CumulativeState, type CardinalityRefusal } from './cumulative.js';

export { DEFAULT_CARDINALITY_LIMIT };
export type { CardinalityRefusal };

export interface PrometheusReaderOptions {
  /** Series per metric, for the life of the process, before new label sets go to the `otel_metric_overflow="true"` series. */
  readonly cardinalityLimit?: number;
  /**
   * Producers whose metrics join every collection beside the SDK's (promkit's cells: every
   * facade counter, up-down counter, gauge and classic histogram, see `record/producer.ts`).
   */
  readonly metricProducers?: readonly MetricProducer[];
  /** Called for each label set refused by the cap in a collection (promkit counts it as a `cardinality_limit` drop). */
  readonly onCardinalityLimit?: CardinalityRefusal;
  /** Seconds a series of an SDK-aggregated metric may go without a measurement before it is removed; default never. */
  readonly seriesTtl?: number;
  /** Seconds, for the TTL; tests inject one. Default `performance.now() / 1000`. */
  readonly now?: () => number;
}

/**
 * The metric reader promkit collects from on each scrape. Prometheus expects cumulative data;
 * for synchronous instruments the reader asks the SDK for delta temporality and keeps the
 * cumulative state itself (see `cumulative.ts`), so that the cardinality limit bounds the series
 * of raw OTel instruments for the life of the process, as promkit's own cells do. Observable
 * instruments stay cumulative in the SDK: each collection reports what their callbacks observe. Metrics from producers (promkit's cells)
 * are cumulative already and pass through. It exports nothing by itself: promkit owns the HTTP
 * server and the serializer, so the upstream `PrometheusExporter` (and its own pinned copies of
 * the SDK packages) is not needed.
 */
export class PrometheusReader extends MetricReader {
  readonly cardinalityLimit: number;
  readonly #state: CumulativeState;

  constructor(options: PrometheusReaderOptions = {}) {
    const cardinalityLimit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
    super({
      aggregationTemporalitySelector: temporalityOf,
      // The SDK's own limit only bounds one interval's delta maps; the cap that counts is the
      // state's. Set above it so that the SDK folds nothing the state would have counted.
      cardinalitySelector: () => cardinalityLimit * SDK_INTERVAL_FACTOR,
      ...(options.metricProducers !== undefined && { metricProducers: [...options.metricProducers] }),
    });
    this.cardinalityLimit = cardinalityLimit;
    this.#state = new CumulativeState({
      cardinalityLimit,
      ...(options.onCardinalityLimit !== undefined && { onRefused: options.onCardinalityLimit }),
      ...(options.seriesTtl !== undefined && { seriesTtl: options.seriesTtl }),
      ...(options.now !== undefined && { now: options.now }),
    });
  }

  /** One collection, as cumulative data: what the scrape, push, remote write and the cluster primary read. */
  override async collect(options?: CollectionOptions): Promise<CollectionResult> {
    const { resourceMetrics, errors } = await super.collect(options);
    return { resourceMetrics: this.#state.apply(resourceMetrics), errors };
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** How many times the limit one collection interval may hold in the SDK's delta maps. */
const SDK_INTERVAL_FACTOR = 4;

/**
 * Delta for synchronous instruments, whose state the reader keeps (see `cumulative.ts`);
 * cumulative for observable ones, which report a current value at each collection (a prom-client
 * counter's `reset()` must read as the value it observes, not as a delta added to the old total).
 */
function temporalityOf(type: InstrumentType): AggregationTemporality {
  return type === InstrumentType.OBSERVABLE_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_GAUGE
    ? AggregationTemporality.CUMULATIVE
    : AggregationTemporality.DELTA;
}

export function createPrometheusReader(options: PrometheusReaderOptions = {}): PrometheusReader {
  return new PrometheusReader(options);
}
