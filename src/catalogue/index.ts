/**
 * The catalogue: every metric promkit ships, as frozen data. Views, the facade, the docs and the
 * shipped rules are all derived from {@link CATALOGUE}, so they cannot disagree with each other.
 */
import { CACHE_METRICS } from './cache.js';
import { CIRCUIT_BREAKER_METRICS } from './circuit-breaker.js';
import { DB_METRICS } from './db.js';
import { HTTP_METRICS } from './http.js';
import { LLM_METRICS } from './llm.js';
import { RUNTIME_METRICS } from './runtime.js';
import { PROMKIT_METRICS } from './self.js';
import { CLUSTER_AGGREGATIONS, DOMAINS, METRIC_KINDS, NON_CUMULATIVE_KINDS, type MetricDefinition } from './types.js';
import { checkAttributeKeys, checkBoundaries, checkMetricName, checkUnit } from './validation.js';

export * from './buckets.js';
export * from './cache.js';
export * from './circuit-breaker.js';
export * from './db.js';
export * from './http.js';
export * from './llm.js';
export * from './runtime.js';
export * from './self.js';
export * from './types.js';
export * from './validation.js';

/** Every entry, grouped in {@link DOMAINS} order (http, llm, cache, db, circuit_breaker, runtime, promkit). */
export const CATALOGUE: readonly MetricDefinition[] = Object.freeze([
  ...HTTP_METRICS,
  ...LLM_METRICS,
  ...CACHE_METRICS,
  ...DB_METRICS,
  ...CIRCUIT_BREAKER_METRICS,
  ...RUNTIME_METRICS,
  ...PROMKIT_METRICS,
]);

const BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(CATALOGUE.map((def) => [def.name, def]));

/** The catalogue entry with this OpenTelemetry name, or undefined for a user-defined metric. */
export function findDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}

/** A sentence break inside the text: end punctuation, whitespace, then a capital letter. */
const SENTENCE_BREAK = /[.!?]\s+[A-Z]/;

function checkDescription(description: string): string | undefined {
  if (typeof description !== 'string' || description.trim() !== description || !/^[A-Z0-9]/.test(description)) {
    return `description ${JSON.stringify(description)} must be one sentence starting with a capital letter or digit`;
  }
  if (!description.endsWith('.') || SENTENCE_BREAK.test(description)) {
    return `description ${JSON.stringify(description)} must be exactly one sentence ending with "."`;
  }
  return undefined;
}

function checkBoundariesForKind(def: MetricDefinition): string | undefined {
  if (def.kind === 'histogram') {
    // Without explicit boundaries the SDK falls back to millisecond-scale defaults.
    if (def.boundaries === undefined) return `histogram ${JSON.stringify(def.name)} has no explicit bucket boundaries`;
    return checkBoundaries(def.boundaries);
  }
  if (def.boundaries !== undefined) {
    return `${def.kind} ${JSON.stringify(def.name)} has bucket boundaries, which only histograms take`;
  }
  return undefined;
}

/** Gauges and up-down counters say how cluster mode merges them; counters and histograms are always summed. */
function checkClusterAggregation(def: MetricDefinition): string | undefined {
  const policy = def.clusterAggregation;
  if (!NON_CUMULATIVE_KINDS.includes(def.kind)) {
    return policy === undefined ? undefined : `${def.kind} ${JSON.stringify(def.name)} has a clusterAggregation, but counters and histograms are always summed`;
  }
  if (policy === undefined) return `${def.kind} ${JSON.stringify(def.name)} has no clusterAggregation (one of ${CLUSTER_AGGREGATIONS.join(', ')})`;
  if (!(CLUSTER_AGGREGATIONS as readonly string[]).includes(policy)) {
    return `clusterAggregation ${JSON.stringify(policy)} is not one of ${CLUSTER_AGGREGATIONS.join(', ')}`;
  }
  return undefined;
}

/**
 * Runs every definition rule on one entry and returns the first problem, or undefined. Returns
 * rather than throws so the catalogue test can list every bad entry and callers that define
 * user metrics can wrap the problem in an `InvalidDefinitionError` with the metric's name.
 */
export function checkDefinition(def: MetricDefinition): string | undefined {
  if (!(METRIC_KINDS as readonly string[]).includes(def.kind)) {
    return `kind ${JSON.stringify(def.kind)} is not one of ${METRIC_KINDS.join(', ')}`;
  }
  if (!(DOMAINS as readonly string[]).includes(def.domain)) {
    return `domain ${JSON.stringify(def.domain)} is not one of ${DOMAINS.join(', ')}`;
  }
  return (
    checkMetricName(def.name) ??
    checkUnit(def.unit) ??
    checkAttributeKeys(def.attributes) ??
    checkBoundariesForKind(def) ??
    checkClusterAggregation(def) ??
    checkDescription(def.description)
  );
}
