/**
 * `promkit/testing`: assert metric values in your own tests. `createTestMetrics()` gives a
 * facade on a real MeterProvider (with promkit's catalogue views, so buckets, label allow-lists
 * and the cardinality limit are the production ones) whose reader is collected on demand, and a
 * manual clock so durations are exact:
 *
 * ```ts
 * const t = createTestMetrics();
 * const orders = t.metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['order.kind'] });
 * orders.add(1, { 'order.kind': 'web' });
 * expect(await t.getValue('orders.placed', { 'order.kind': 'web' })).toBe(1);
 * await t.shutdown();
 * ```
 */
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { serialize, type SerializeOptions } from '../exposition/serializer.js';
import { createMetrics, type Metrics } from '../facade/metrics.js';
import type { Clock } from '../record/types.js';
import { createMeterProvider } from '../otel/provider.js';
import { createPrometheusReader, type PrometheusReader } from '../otel/reader.js';
import { catalogueBoundaries, type BucketOverrides } from '../otel/views.js';
import { CellProducer } from '../record/producer.js';
import { createManualClock, type ManualClock } from './clock.js';
import { readHistogram, readValue, type HistogramSnapshot, type LabelMatch } from './read.js';

export { createManualClock, type ManualClock } from './clock.js';
export type { HistogramSnapshot, LabelMatch } from './read.js';

export interface TestMetricsOptions<C extends Clock = ManualClock> {
  /** Label sets per metric before the overflow series; default the production limit (2000). */
  readonly cardinalityLimit?: number;
  /** Bucket overrides for catalogue histograms, as in production. */
  readonly buckets?: BucketOverrides;
  /** Defaults to a manual clock starting at 0, returned as `clock`. */
  readonly clock?: C;
  /** Seconds of `clock` a series may go unwritten before it leaves the scrape, as `start({ seriesTtl })`; default never. */
  readonly seriesTtl?: number;
}

export interface TestMetrics<C extends Clock = ManualClock> {
  /** What to instrument the code under test with: the full facade (generic instruments and every domain). */
  readonly metrics: Metrics;
  /** The core the facade is built on, for domain code that takes a `FacadeCore`. */
  readonly core: Metrics;
  readonly clock: C;
  readonly meterProvider: MeterProvider;
  readonly reader: PrometheusReader;
  /** The current value of a counter, up-down counter or gauge series, by OTel name and exact labels. */
  getValue(name: string, labels?: LabelMatch): Promise<number | undefined>;
  /** A histogram series: count, sum and cumulative buckets. */
  getHistogram(name: string, labels?: LabelMatch): Promise<HistogramSnapshot | undefined>;
  /** The Prometheus text a scrape would return now; points left out for a name collision are counted as drops, as in production. */
  scrapeText(options?: SerializeOptions): Promise<string>;
  /** One raw collection; throws if the SDK reported collection errors. */
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

export function createTestMetrics<C extends Clock = ManualClock>(options: TestMetricsOptions<C> = {}): TestMetrics<C> {
  const limit = options.cardinalityLimit;
  // As in production: bound histograms and HTTP server metrics are cells reported through this producer.
  const producer = new CellProducer(options.seriesTtl === undefined ? {} : { seriesTtl: options.seriesTtl });
  const clock = options.clock ?? (createManualClock() as Clock as C);
  // Refused label sets of raw OTel instruments are counted with the facade's drops, as in production.
  let onCardinalityLimit: (metric: string, detail: () => string) => void = () => undefined;
  const reader = createPrometheusReader({
    metricProducers: [producer],
    onCardinalityLimit: (metric, detail) => onCardinalityLimit(metric, detail),
    now: () => clock.now(),
    ...(options.seriesTtl !== undefined && { seriesTtl: options.seriesTtl }),
    ...(limit !== undefined && { cardinalityLimit: limit }),
  });
  const meterProvider = createMeterProvider({
    readers: [reader],
    ...(limit !== undefined && { cardinalityLimit: limit }),
    ...(options.buckets !== undefined && { buckets: options.buckets }),
  });
  const metrics = createMetrics({
    meterProvider,
    clock,
    producer,
    buckets: catalogueBoundaries(options.buckets),
    ...(limit !== undefined && { cardinalityLimit: limit }),
  });
  const core = metrics;
  onCardinalityLimit = (metric, detail) => metrics.dropMeasurement(metric, 'cardinality_limit', detail);

  async function collect(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, `metric collection reported ${errors.length} error(s)`);
    return resourceMetrics;
  }

  return {
    metrics,
    core,
    clock,
    meterProvider,
    reader,
    collect,
    getValue: async (name, labels) => readValue(await collect(), name, labels),
    getHistogram: async (name, labels) => readHistogram(await collect(), name, labels),
    scrapeText: async (serializeOptions) => serialize(await collect(), { onDrop: metrics.dropMeasurement, ...serializeOptions }),
    shutdown: () => meterProvider.shutdown(),
  };
}
