/**
 * The primary's side of cluster mode: per collection it asks every worker that announced itself
 * for its collection over the cluster IPC channel, waits until the deadline at most, and merges
 * the answers with its own collection.
 *
 * Counters must never drop, or Prometheus reads a counter reset and `rate()` over-counts. So the
 * primary keeps each worker's latest answer: a worker that misses a collection is served from it
 * (counters and histograms only), and the totals of a worker that is gone are kept for good,
 * folded into one "retired" collection (bounded by the series, not by the number of restarts).
 * A worker that shuts promkit down hands over its final totals first; one that dies without
 * (SIGKILL, a crash) loses what it counted after its last answer, at most one scrape interval.
 */
import type { Worker } from 'node:cluster';
import type { CollectionResult, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { findDefinition } from '../catalogue/index.js';
import type { ClusterAggregation } from '../catalogue/types.js';
import { mergeMembers, type Member, type PolicyOf } from './merge.js';
import { fromWire, isMessage, type CollectReply, type CollectRequest, type FinalMessage, type ReadyMessage, type WireCollection } from './wire.js';

/** The policy of a user-defined gauge or up-down counter that names none: each worker's own series. */
export const DEFAULT_CLUSTER_AGGREGATION: ClusterAggregation = 'per_worker';

/** Share of the collection deadline a worker is given, so its answer can still travel back in time. */
export const WORKER_DEADLINE_SHARE = 0.8;

/** Why a worker was left out of a collection (the `promkit.reason` of `promkit.cluster.workers.missed`). */
export type MissedReason = 'timeout' | 'error' | 'unreachable';

/** What the primary needs of `node:cluster` (the module itself, or a stand-in in tests). */
export interface ClusterPrimaryHost {
  readonly workers?: NodeJS.Dict<Pick<Worker, 'id' | 'send' | 'isConnected'>>;
  on(event: 'message', listener: (worker: Pick<Worker, 'id'>, message: unknown) => void): unknown;
  on(event: 'disconnect' | 'exit', listener: (worker: Pick<Worker, 'id'>) => void): unknown;
  off(event: 'message', listener: (worker: Pick<Worker, 'id'>, message: unknown) => void): unknown;
  off(event: 'disconnect' | 'exit', listener: (worker: Pick<Worker, 'id'>) => void): unknown;
}

export interface ClusterPrimaryOptions {
  readonly host: ClusterPrimaryHost;
  /** Told about each worker left out of a collection. */
  readonly onMissed: (reason: MissedReason) => void;
  /** Policies by OpenTelemetry name for user-defined gauges and up-down counters; the catalogue's win for its own. */
  readonly aggregation?: Readonly<Record<string, ClusterAggregation>>;
}

/** A collection in progress: which workers it still waits for, and how each one's wait ends. */
interface Pending {
  readonly waiting: Map<number, (outcome: 'answered' | MissedReason) => void>;
  readonly answered: number[];
}

/** The policy for a metric: the catalogue's, else the one given, else {@link DEFAULT_CLUSTER_AGGREGATION}. */
export function policyFor(aggregation: Readonly<Record<string, ClusterAggregation>> = {}): PolicyOf {
  return (name) => findDefinition(name)?.clusterAggregation ?? (Object.hasOwn(aggregation, name) ? aggregation[name] : undefined) ?? DEFAULT_CLUSTER_AGGREGATION;
}

export class ClusterPrimary {
  readonly #host: ClusterPrimaryHost;
  readonly #onMissed: (reason: MissedReason) => void;
  readonly #policyOf: PolicyOf;
  /** Workers that run promkit (they said so), by id. */
  readonly #ready = new Set<number>();
  /** Each live worker's latest collection. */
  readonly #latest = new Map<number, readonly ScopeMetrics[]>();
  /** The counters and histograms of every worker that is gone, summed. */
  #retired: readonly ScopeMetrics[] = [];
  readonly #pending = new Map<number, Pending>();
  #nextRequestId = 1;

  readonly #onMessage = (worker: Pick<Worker, 'id'>, message: unknown) => this.#receive(worker.id, message);
  readonly #onGone = (worker: Pick<Worker, 'id'>) => this.#retire(worker.id);

  constructor(options: ClusterPrimaryOptions) {
    this.#host = options.host;
    this.#onMissed = options.onMissed;
    this.#policyOf = policyFor(options.aggregation);
    this.#host.on('message', this.#onMessage);
    // After a disconnect nothing more can arrive from the worker, so its totals are final.
    this.#host.on('disconnect', this.#onGone);
    this.#host.on('exit', this.#onGone);
  }

  stop(): void {
    this.#host.off('message', this.#onMessage);
    this.#host.off('disconnect', this.#onGone);
    this.#host.off('exit', this.#onGone);
    for (const pending of this.#pending.values()) for (const settle of pending.waiting.values()) settle('unreachable');
  }

  /**
   * Asks the ready workers, runs `collectOwn` meanwhile, and answers by `timeoutMillis` at the
   * latest with the merged collection (the primary's resource, the primary's errors).
   */
  async collect(collectOwn: () => Promise<CollectionResult>, timeoutMillis: number): Promise<CollectionResult> {
    const requestId = this.#nextRequestId++;
    const pending: Pending = { waiting: new Map(), answered: [] };
    const answers: Promise<'answered' | MissedReason>[] = [];
    const request: CollectRequest = { promkit: 'cluster.collect', requestId, timeoutMillis: timeoutMillis * WORKER_DEADLINE_SHARE };
    this.#pending.set(requestId, pending);
    for (const id of this.#ready) {
      const worker = this.#host.workers?.[id];
      if (worker === undefined || !worker.isConnected()) continue;
      answers.push(new Promise((resolve) => pending.waiting.set(id, resolve)));
      try {
        worker.send(request, (error) => {
          if (error) this.#settle(requestId, id, 'unreachable');
        });
      } catch {
        this.#settle(requestId, id, 'unreachable');
      }
    }
    const timer = setTimeout(() => {
      for (const id of [...pending.waiting.keys()]) this.#settle(requestId, id, 'timeout');
    }, timeoutMillis);
    // A scrape in progress must not keep the app alive.
    timer.unref();
    try {
      const [own, outcomes] = await Promise.all([collectOwn(), Promise.all(answers)]);
      for (const outcome of outcomes) if (outcome !== 'answered') this.#onMissed(outcome);
      const members: Member[] = [{ id: 'primary', scopes: own.resourceMetrics.scopeMetrics, current: true }];
      // Workers that answered are current; the others are served from their latest answer.
      const answered = new Set(pending.answered);
      for (const [id, scopes] of this.#latest) members.push({ id: String(id), scopes, current: answered.has(id) });
      members.push({ id: 'retired', scopes: this.#retired, current: false });
      return { resourceMetrics: { resource: own.resourceMetrics.resource, scopeMetrics: mergeMembers(members, this.#policyOf) }, errors: own.errors };
    } finally {
      clearTimeout(timer);
      this.#pending.delete(requestId);
    }
  }

  #settle(requestId: number, workerId: number, outcome: 'answered' | MissedReason): void {
    const pending = this.#pending.get(requestId);
    const settle = pending?.waiting.get(workerId);
    if (pending === undefined || settle === undefined) return;
    pending.waiting.delete(workerId);
    if (outcome === 'answered') pending.answered.push(workerId);
    settle(outcome);
  }

  #receive(workerId: number, message: unknown): void {
    if (isMessage<ReadyMessage>(message, 'cluster.ready')) {
      this.#ready.add(workerId);
      return;
    }
    if (isMessage<FinalMessage>(message, 'cluster.final')) {
      // The worker's last totals; it answers no more requests.
      this.#ready.delete(workerId);
      const stored = this.#store(workerId, message.collection);
      for (const requestId of this.#pending.keys()) this.#settle(requestId, workerId, stored ? 'answered' : 'error');
      return;
    }
    if (!isMessage<CollectReply>(message, 'cluster.collection')) return;
    const requestId = message.requestId;
    // A late answer (its collection has gone) is dropped: a newer one may already be stored.
    if (!this.#pending.get(requestId)?.waiting.has(workerId)) return;
    const stored = message.collection !== undefined && this.#store(workerId, message.collection);
    this.#settle(requestId, workerId, stored ? 'answered' : 'error');
  }

  /**
   * Keeps a worker's collection as its latest; false when it is malformed. Nothing arrives from a
   * worker after its disconnect, so a retired worker is never stored (and counted) again.
   */
  #store(workerId: number, collection: WireCollection): boolean {
    try {
      this.#latest.set(workerId, fromWire(collection));
      return true;
    } catch {
      return false;
    }
  }

  /** A worker is gone: its latest totals join the retired ones (on `disconnect`; `exit` then finds nothing left). */
  #retire(workerId: number): void {
    this.#ready.delete(workerId);
    for (const requestId of this.#pending.keys()) this.#settle(requestId, workerId, 'unreachable');
    const latest = this.#latest.get(workerId);
    this.#latest.delete(workerId);
    if (latest === undefined) return;
    this.#retired = mergeMembers(
      [
        { id: 'retired', scopes: this.#retired, current: false },
        { id: String(workerId), scopes: latest, current: false },
      ],
      this.#policyOf,
    );
  }
}
