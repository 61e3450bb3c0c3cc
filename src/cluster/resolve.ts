/**
 * Cluster mode's options (`cluster`, `clusterAggregation`), resolved from `start()`'s options and
 * the environment. Owned here, beside the primary and worker that use them.
 */
import { CLUSTER_AGGREGATIONS, type ClusterAggregation } from '../catalogue/types.js';
import { parseBoolean, type Env } from '../env.js';
import { ConfigError } from '../errors.js';

export interface ClusterOptions {
  readonly cluster?: boolean;
  readonly clusterAggregation?: Readonly<Record<string, ClusterAggregation>>;
}

export interface ResolvedClusterConfig {
  readonly cluster: boolean;
  readonly clusterAggregation: Readonly<Record<string, ClusterAggregation>>;
}

/** Cluster mode on or off (option, else `PROMKIT_CLUSTER`) and the merge policies named; throws a `ConfigError` for an unknown policy. */
export function resolve(options: ClusterOptions, env: Env): ResolvedClusterConfig {
  return {
    cluster: options.cluster ?? parseBoolean('PROMKIT_CLUSTER', env['PROMKIT_CLUSTER']),
    clusterAggregation: checkClusterAggregation(options.clusterAggregation ?? {}),
  };
}

function checkClusterAggregation(aggregation: Readonly<Record<string, ClusterAggregation>>): Readonly<Record<string, ClusterAggregation>> {
  for (const [name, policy] of Object.entries(aggregation)) {
    if (!(CLUSTER_AGGREGATIONS as readonly string[]).includes(policy)) {
      throw new ConfigError('clusterAggregation', `${JSON.stringify(policy)} for "${name}" is not one of ${CLUSTER_AGGREGATIONS.map((p) => `"${p}"`).join(', ')}`);
    }
  }
  return aggregation;
}

