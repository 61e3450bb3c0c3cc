/**
 * Cache metrics. No semantic convention exists, so these follow its naming style (lowercase,
 * dot-namespaced, `cache.*` attributes). Hit ratio is deliberately absent: it is a PromQL
 * expression over `cache_hits_total` and `cache_misses_total`, which never goes stale.
 */
import { BUCKET_PRESETS } from './buckets.js';
import { defineMetric, type MetricDefinition } from './types.js';

export const CACHE_HITS = defineMetric({
  name: 'cache.hits',
  kind: 'counter',
  unit: '{request}',
  description: 'Number of cache lookups that found an entry.',
  attributes: ['cache.name', 'cache.operation'],
  domain: 'cache',
  source: 'promkit',
});

export const CACHE_MISSES = defineMetric({
  name: 'cache.misses',
  kind: 'counter',
  unit: '{request}',
  description: 'Number of cache lookups that found no entry.',
  attributes: ['cache.name', 'cache.operation'],
  domain: 'cache',
  source: 'promkit',
});

export const CACHE_EVICTIONS = defineMetric({
  name: 'cache.evictions',
  kind: 'counter',
  unit: '{eviction}',
  description: 'Number of entries the cache removed to make room or because they expired.',
  attributes: ['cache.name'],
  domain: 'cache',
  source: 'promkit',
});

export const CACHE_SIZE = defineMetric({
  name: 'cache.size',
  kind: 'gauge',
  unit: 'By',
  description: 'Memory the cache currently holds, as the cache itself measures it.',
  attributes: ['cache.name'],
  domain: 'cache',
  source: 'promkit',
  clusterAggregation: 'sum',
});

export const CACHE_ENTRIES = defineMetric({
  name: 'cache.entries',
  kind: 'gauge',
  unit: '{entry}',
  description: 'Number of entries currently in the cache.',
  attributes: ['cache.name'],
  domain: 'cache',
  source: 'promkit',
  clusterAggregation: 'sum',
});

export const CACHE_OPERATION_DURATION = defineMetric({
  name: 'cache.operation.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of cache operations such as get, set and delete.',
  attributes: ['cache.name', 'cache.operation'],
  boundaries: BUCKET_PRESETS.cache_duration,
  domain: 'cache',
  source: 'promkit',
});

export const CACHE_METRICS: readonly MetricDefinition[] = Object.freeze([
  CACHE_HITS,
  CACHE_MISSES,
  CACHE_EVICTIONS,
  CACHE_SIZE,
  CACHE_ENTRIES,
  CACHE_OPERATION_DURATION,
]);
