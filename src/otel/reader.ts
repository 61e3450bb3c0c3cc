import { AggregationTemporality, MetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics';

import { DEFAULT_CARDINALITY_LIMIT } from '../limits.js';

export { DEFAULT_CARDINALITY_LIMIT };

export interface PrometheusReaderOptions {
  /** Series per metric before new label sets go to the `otel_metric_overflow="true"` series. */
  readonly cardinalityLimit?: number;
  /**
   * Producers whose metrics join every collection beside the SDK's (promkit's cells: bound
   * histograms and the HTTP server metrics, see `record/producer.ts`).
   */
  readonly metricProducers?: readonly MetricProducer[];
}

/**
 * The metric reader promkit collects from on each scrape: cumulative temporality (what Prometheus
 * expects), a cardinality limit for instruments that no catalogue view covers (user-defined
 * metrics), and promkit's cell producer. It exports nothing by itself: promkit owns the HTTP
 * server and the serializer, so the upstream `PrometheusExporter` (and its own pinned copies of
 * the SDK packages) is not needed.
 */
export class PrometheusReader extends MetricReader {
  readonly cardinalityLimit: number;

  constructor(options: PrometheusReaderOptions = {}) {
    const cardinalityLimit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      cardinalitySelector: () => cardinalityLimit,
      ...(options.metricProducers !== undefined && { metricProducers: [...options.metricProducers] }),
    });
    this.cardinalityLimit = cardinalityLimit;
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function createPrometheusReader(options: PrometheusReaderOptions = {}): PrometheusReader {
  return new PrometheusReader(options);
}
