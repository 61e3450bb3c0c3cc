/**
 * The shape of a catalogue entry. The catalogue is pure data: it imports nothing from
 * OpenTelemetry, so the views, the facade, the docs and the shipped rules can all be derived
 * from one table.
 */

/** The OpenTelemetry instrument kind a metric is recorded with. */
export const METRIC_KINDS = [
  'counter',
  'updowncounter',
  'histogram',
  'gauge',
  'observable_counter',
  'observable_updowncounter',
  'observable_gauge',
] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/** The catalogue section a metric belongs to (drives docs grouping and dashboards). */
export const DOMAINS = ['http', 'llm', 'cache', 'db', 'circuit_breaker', 'runtime', 'promkit'] as const;
export type Domain = (typeof DOMAINS)[number];

/**
 * How cluster mode merges a gauge or up-down counter over the workers of a `node:cluster` app:
 * `sum` (in-flight requests, pool connections: the cluster's total), `max` or `min` (the worst
 * or best worker, where only that means something), or `per_worker` (every worker's own series,
 * told apart by the `cluster.worker.id` attribute: runtime metrics). Counters and histograms need
 * no policy: they are always summed exactly.
 */
export const CLUSTER_AGGREGATIONS = ['sum', 'max', 'min', 'per_worker'] as const;
export type ClusterAggregation = (typeof CLUSTER_AGGREGATIONS)[number];

/** The kinds whose values go up and down, so cluster mode needs a {@link ClusterAggregation} to merge them. */
export const NON_CUMULATIVE_KINDS: readonly MetricKind[] = Object.freeze(['updowncounter', 'gauge', 'observable_updowncounter', 'observable_gauge']);

/**
 * One metric promkit knows: its OpenTelemetry name, instrument kind, UCUM unit, a one-sentence
 * description, the attribute keys it may carry, and (for histograms) explicit bucket boundaries.
 */
export interface MetricDefinition<A extends string = string> {
  /** OpenTelemetry instrument name, dot-separated (`http.server.request.duration`). */
  readonly name: string;
  readonly kind: MetricKind;
  /** UCUM unit: `s`, `By`, `1`, or an annotation such as `{request}`. */
  readonly unit: string;
  /** One sentence, ending with a full stop. */
  readonly description: string;
  /** The only attribute keys this metric keeps; anything else is dropped by its view. */
  readonly attributes: readonly A[];
  /** Explicit histogram bucket boundaries (required for histograms, absent otherwise). */
  readonly boundaries?: readonly number[];
  readonly domain: Domain;
  /** Where the name comes from: an OpenTelemetry semantic convention, or promkit's own naming. */
  readonly source: 'semconv' | 'promkit';
  /** How cluster mode merges the workers' values; required for gauges and up-down counters, absent otherwise. */
  readonly clusterAggregation?: ClusterAggregation;
}

/** Freezes a definition (and its arrays) so the table cannot be changed at run time. */
export function defineMetric<const A extends string>(definition: MetricDefinition<A>): MetricDefinition<A> {
  Object.freeze(definition.attributes);
  if (definition.boundaries) Object.freeze(definition.boundaries);
  return Object.freeze(definition);
}
