/**
 * Cluster mode (`node:cluster`): the primary serves one scrape endpoint over the merged
 * collections of itself and its workers; workers serve none and answer the primary over IPC.
 */
import type { Cluster } from 'node:cluster';
import type { MeterProvider } from '@opentelemetry/api';
import { PROMKIT_CLUSTER_WORKERS_MISSED } from '../catalogue/self.js';
import type { ClusterAggregation } from '../catalogue/types.js';
import { ClusterPrimary, type ClusterPrimaryHost, type MissedReason } from './primary.js';
import { ClusterWorker, type ClusterWorkerOptions } from './worker.js';

export { ClusterPrimary, DEFAULT_CLUSTER_AGGREGATION } from './primary.js';
export { ClusterWorker } from './worker.js';
export { WORKER_ATTRIBUTE } from './merge.js';

/** Which side of cluster mode this process is on. */
export function clusterRole(): 'primary' | 'worker' {
  return nodeCluster().isPrimary ? 'primary' : 'worker';
}

/** `node:cluster` (and the `child_process` it loads) only once cluster mode is asked for. */
function nodeCluster(): Cluster {
  // The module object is the cluster itself (its typings describe the ES namespace).
  return process.getBuiltinModule('node:cluster') as unknown as Cluster;
}

export interface PrimaryOptions {
  readonly meterProvider: MeterProvider;
  readonly aggregation?: Readonly<Record<string, ClusterAggregation>>;
  /** Default: `node:cluster`. */
  readonly host?: ClusterPrimaryHost;
}

/** The primary's side, counting missed workers in `promkit.cluster.workers.missed`. */
export function startClusterPrimary(options: PrimaryOptions): ClusterPrimary {
  const missed = options.meterProvider.getMeter('promkit').createCounter(PROMKIT_CLUSTER_WORKERS_MISSED.name, {
    description: PROMKIT_CLUSTER_WORKERS_MISSED.description,
    unit: PROMKIT_CLUSTER_WORKERS_MISSED.unit,
  });
  const attributes: Record<MissedReason, { 'promkit.reason': MissedReason }> = {
    timeout: { 'promkit.reason': 'timeout' },
    error: { 'promkit.reason': 'error' },
    unreachable: { 'promkit.reason': 'unreachable' },
  };
  return new ClusterPrimary({
    host: options.host ?? (nodeCluster() as unknown as ClusterPrimaryHost),
    onMissed: (reason) => missed.add(1, attributes[reason]),
    ...(options.aggregation !== undefined && { aggregation: options.aggregation }),
  });
}

/** A worker's side: announces itself to the primary and answers its collect requests. */
export function startClusterWorker(options: ClusterWorkerOptions): ClusterWorker {
  return new ClusterWorker(options);
}
