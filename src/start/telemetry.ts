/**
 * The OpenTelemetry side of a start: the producer of promkit's own cells, the Prometheus reader
 * (and the OTLP reader when this process exports OTLP from its own provider), the resource with
 * the process identity, the MeterProvider and the runtime metrics.
 */
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from '../config.js';
import { metrics } from '../facade/metrics.js';
import { DEFAULT_CARDINALITY_LIMIT } from '../limits.js';
import { createMeterProvider } from '../otel/provider.js';
import { createPrometheusReader, type PrometheusReader } from '../otel/reader.js';
import { createResource } from '../otel/resource.js';
import type { Plan } from '../plan.js';
import { createOtlpReader } from '../push/otlp.js';
import { CellProducer } from '../record/producer.js';
import { promClientProducer } from '../prom-client/bridge.js';
import { runtimeResourceAttributes } from '../runtime/resource.js';
import { startRuntimeSets, type RuntimeSets } from '../runtime/select.js';
import type { StopStack } from './stop-stack.js';

export interface Telemetry {
  /** Bound histograms and the HTTP server metrics are cells of the default facade, reported through this producer. */
  readonly producer: CellProducer;
  readonly reader: PrometheusReader;
  readonly otlpReader: Awaited<ReturnType<typeof createOtlpReader>>;
  readonly resource: Resource;
  readonly meterProvider: MeterProvider;
  readonly runtime: RuntimeSets;
}

export async function buildTelemetry(config: ResolvedConfig, plan: Plan, stack: StopStack): Promise<Telemetry> {
  const producer = new CellProducer(config.seriesTtl === undefined ? {} : { seriesTtl: config.seriesTtl });
  // Loaded only when chosen: the exporter is an optional peer dependency. A cluster primary
  // exports the merged collection instead (createOtlpPusher): a reader on its provider would leave the workers out.
  const otlpReader =
    config.push.otlp === undefined || !plan.pushes.includes('otlp') || plan.role === 'cluster-primary'
      ? undefined
      : await createOtlpReader(config.push.otlp, {
          cardinalityLimit: config.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT,
          metricProducers: [producer, promClientProducer],
          warn: (message) => process.stderr.write(`promkit: ${message}\n`),
        });
  const resource = createResource(config.runtimeMetrics !== 'off' ? { ...runtimeResourceAttributes(), ...config.resourceAttributes } : config.resourceAttributes);
  const reader = createPrometheusReader({
    metricProducers: [producer, promClientProducer],
    onCardinalityLimit: (metric, detail) => metrics.dropMeasurement(metric, 'cardinality_limit', detail),
    ...(config.seriesTtl !== undefined && { seriesTtl: config.seriesTtl }),
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  const meterProvider = createMeterProvider({
    readers: otlpReader === undefined ? [reader] : [reader, otlpReader],
    resource,
    buckets: config.buckets,
    nativeHistograms: config.nativeHistograms,
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  stack.push(() => meterProvider.shutdown().catch(() => undefined));
  // Always created: with 'off' it costs nothing until collectDefaultMetrics() adds prom-client's names.
  const runtime = startRuntimeSets(meterProvider, config.runtimeMetrics);
  stack.push(() => runtime.stop());
  return { producer, reader, otlpReader, resource, meterProvider, runtime };
}
