/**
 * `promkit/prom-client`: prom-client 15's API (which `@prometheus-io/client` keeps), behaving as
 * prom-client does. A registry holds metric objects; each metric holds its series, which can be
 * cleared, reset, removed and redefined; `register.metrics()` writes exactly what prom-client
 * writes for that registry, with or without promkit started. When promkit runs, the registered
 * metrics also reach its endpoint, remote write, OTLP and the cluster merge (`producer.ts`).
 * Differences are listed in docs/migrating-from-prom-client.md.
 */
import { aggregators, AggregatorFactory } from './aggregators.js';
import { currentBinding, setPromClientSource } from './bridge.js';
import { exponentialBuckets, linearBuckets } from './buckets.js';
import { AggregatorRegistry } from './cluster.js';
import { Counter } from './counter.js';
import { collectDefaultMetrics as collectDefaults, type DefaultMetricsCollectorConfiguration } from './default-metrics.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import { Metric } from './metric.js';
import { configure } from './policy.js';
import { PromClientProducer } from './producer.js';
import { Pushgateway } from './pushgateway.js';
import { openMetricsContentType, prometheusContentType, register, Registry, type RegistryContentType } from './registry.js';
import { Summary } from './summary.js';
import { validateMetricName } from './validation.js';

setPromClientSource(new PromClientProducer());

/** The names `collectDefaultMetrics()` can add (without prefix), as prom-client lists them. */
const metricsList: string[] = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/** Adds prom-client's default metrics (process, heap, event loop, GC) to a registry (default: the default registry). */
export const collectDefaultMetrics: {
  <T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T>): void;
  metricsList: string[];
} = Object.assign(<T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T>) => collectDefaults(config), { metricsList });

/**
 * promkit's whole exposition (catalogue, runtime, `target_info` and these metrics), as its
 * endpoint serves it, for an app that wants it on its own route. Rejects when promkit is not started.
 */
export async function promkitMetrics(): Promise<string> {
  const binding = currentBinding();
  if (binding === undefined) throw new Error('promkit is not started: start it with `node --import promkit/register` or start() before calling promkitMetrics()');
  return binding.scrape();
}

/**
 * prom-client's index.d.ts declares this enum (prom-client itself exports no value for it); the
 * same numbers and reverse names, so code typed against it compiles.
 */
export const MetricType = Object.freeze({ Counter: 0, Gauge: 1, Histogram: 2, Summary: 3, 0: 'Counter', 1: 'Gauge', 2: 'Histogram', 3: 'Summary' } as const);

/** The default registry's content type, kept current (an ES module binding cannot be a getter). */
export let contentType: RegistryContentType = register.contentType;
const setDefaultContentType = register.setContentType.bind(register);
register.setContentType = (type: RegistryContentType): void => {
  setDefaultContentType(type);
  contentType = type;
};

export { Counter, type CounterConfiguration, type IncreaseDataWithExemplar } from './counter.js';
export { Gauge, type GaugeConfiguration } from './gauge.js';
export { Histogram, DEFAULT_BUCKETS, type HistogramConfiguration, type ObserveDataWithExemplar } from './histogram.js';
export { Summary, type SummaryConfiguration } from './summary.js';
export { Metric, type Aggregator, type MetricConfiguration } from './metric.js';
export {
  Registry,
  register,
  prometheusContentType,
  openMetricsContentType,
  type MetricObject,
  type RegistryContentType,
  type PrometheusContentType,
  type OpenMetricsContentType,
} from './registry.js';
export type { MetricObjectWithValues, MetricValue, ExemplarValue } from './render.js';
export type { LabelValues } from './validation.js';
export { validateMetricName } from './validation.js';
export { linearBuckets, exponentialBuckets } from './buckets.js';
export { Pushgateway } from './pushgateway.js';
export { AggregatorRegistry } from './cluster.js';
export { aggregators, AggregatorFactory, type AggregatorFunction } from './aggregators.js';
export { configure, type PromClientOptions, type InvalidInputPolicy } from './policy.js';
export type { DefaultMetricsCollectorConfiguration } from './default-metrics.js';

/** The module as prom-client's CommonJS exports object: `contentType` is a live getter and setter. */
const client = {
  register,
  Registry,
  prometheusContentType,
  openMetricsContentType,
  validateMetricName,
  Counter,
  Gauge,
  Histogram,
  Summary,
  Pushgateway,
  linearBuckets,
  exponentialBuckets,
  collectDefaultMetrics,
  aggregators,
  AggregatorFactory,
  AggregatorRegistry,
  Metric,
  configure,
  promkitMetrics,
  MetricType,
} as const;
Object.defineProperty(client, 'contentType', {
  enumerable: true,
  get: () => register.contentType,
  set: (value: RegistryContentType) => register.setContentType(value),
});

/** `import client from 'promkit/prom-client'`, and what `require('promkit/prom-client')` returns. */
export default client as typeof client & { contentType: RegistryContentType };
export { client as 'module.exports' };
