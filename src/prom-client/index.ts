/**
 * `promkit/prom-client`: prom-client's API (which `@prometheus-io/client` keeps) over promkit.
 * Change `from 'prom-client'` to `from 'promkit/prom-client'` and start promkit
 * (`node --import promkit/register app.js` or `start()`): the metrics appear on promkit's
 * endpoint beside the catalogue, with promkit's validation and bad-input contract. What maps
 * exactly and what approximately is in docs/migrating-from-prom-client.md.
 */
import type { PromClientRuntimeOptions } from '../runtime/prom-client-names.js';
import { core } from './core.js';

export { Counter, type CounterChild, type CounterConfiguration } from './counter.js';
export { Gauge, type GaugeChild, type GaugeConfiguration } from './gauge.js';
export { Histogram, Summary, DEFAULT_BUCKETS, type HistogramChild, type HistogramConfiguration, type SummaryConfiguration } from './histogram.js';
export type { LabelValues } from './labels.js';
export { Registry, register, prometheusContentType, openMetricsContentType, type RegisteredMetric } from './registry.js';
export type { MetricObjectWithValues, MetricValue } from './valued.js';

/** prom-client's `collectDefaultMetrics()` options that promkit honours; `register` and the rest are accepted and ignored. */
export interface DefaultMetricsCollectorConfiguration extends PromClientRuntimeOptions {
  readonly register?: unknown;
  readonly eventLoopMonitoringPrecision?: number;
}

/**
 * Turns on the runtime metrics under prom-client's names (`process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, ...) on the running promkit, or on the next one to start. The
 * first call's `prefix`, `labels` and `gcDurationBuckets` win; `runtimeMetrics: 'prom-client'`
 * in `start()` does the same without code.
 */
export function collectDefaultMetrics(configuration: DefaultMetricsCollectorConfiguration = {}): void {
  const { prefix, labels, gcDurationBuckets } = configuration;
  core.collectDefaultMetrics({
    ...(prefix !== undefined && { prefix }),
    ...(labels !== undefined && { labels }),
    ...(gcDurationBuckets !== undefined && { gcDurationBuckets }),
  });
}

/** `count` buckets from `start`, `width` apart (prom-client's helper). */
export function linearBuckets(start: number, width: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/** `count` buckets from `start`, each `factor` times the previous one (prom-client's helper). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram, Summary } from './histogram.js';
import { Registry, register, prometheusContentType, openMetricsContentType } from './registry.js';

/** For `import client from 'prom-client'` style code: the same names as the named exports. */
export default {
  Counter,
  Gauge,
  Histogram,
  Summary,
  Registry,
  register,
  collectDefaultMetrics,
  linearBuckets,
  exponentialBuckets,
  prometheusContentType,
  openMetricsContentType,
};
