import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { InstrumentType } from '@opentelemetry/sdk-metrics';

import { DEFAULT_CARDINALITY_LIMIT } from '../limits.js';

export { DEFAULT_CARDINALITY_LIMIT };

export interface PrometheusReaderOptions {
  /** Series per metric before new label sets go to the `otel_metric_overflow="true"` series. */
  readonly cardinalityLimit?: number;
}

/**
 * The metric reader promkit collects from. It is the upstream `PrometheusExporter` with its own
 * server never started (promkit owns the HTTP server and the serializer), plus a cardinality
 * limit for instruments that no catalogue view covers (user-defined metrics).
 */
export class PrometheusReader extends PrometheusExporter {
  readonly cardinalityLimit: number;

  constructor(options: PrometheusReaderOptions = {}) {
    super({ preventServerStart: true });
    this.cardinalityLimit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  }

  override selectCardinalityLimit(_instrumentType: InstrumentType): number {
    return this.cardinalityLimit;
  }
}

export function createPrometheusReader(options: PrometheusReaderOptions = {}): PrometheusReader {
  return new PrometheusReader(options);
}
