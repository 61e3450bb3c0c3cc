/**
 * A worker's side of cluster mode: it serves no endpoint of its own; it announces itself to the
 * primary, answers each collect request with its own collection, and on shutdown hands the
 * primary its final totals, so a worker restarted on purpose loses no count.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { isMessage, toWire, type CollectReply, type CollectRequest, type FinalMessage, type ReadyMessage, type WorkerMessage } from './wire.js';

/** What a worker needs of its `process`: the IPC channel to the primary (a stand-in in tests). */
export interface ClusterWorkerHost {
  readonly connected?: boolean;
  send?(message: WorkerMessage, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface ClusterWorkerOptions {
  /** One collection of this worker within `timeoutMillis`. */
  readonly collect: (options: { readonly timeoutMillis: number }) => Promise<ResourceMetrics>;
  /** Deadline of the final collection on shutdown. */
  readonly finalTimeoutMillis: number;
  readonly host?: ClusterWorkerHost;
}

export class ClusterWorker {
  readonly #host: ClusterWorkerHost;
  readonly #options: ClusterWorkerOptions;
  #stopped: Promise<void> | undefined;
  /** The collection in progress: requests that arrive meanwhile (a worker busy for a while) share it. */
  #inFlight: Promise<ResourceMetrics> | undefined;
  readonly #onMessage = (message: unknown) => {
    if (isMessage<CollectRequest>(message, 'cluster.collect')) void this.#answer(message);
  };

  constructor(options: ClusterWorkerOptions) {
    this.#options = options;
    this.#host = options.host ?? (process as unknown as ClusterWorkerHost);
    this.#host.on('message', this.#onMessage);
    void this.#send({ promkit: 'cluster.ready' } satisfies ReadyMessage);
  }

  /** Stops answering and sends the final totals (if the primary is still there). Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#host.off('message', this.#onMessage);
      if (this.#host.connected !== true) return;
      try {
        const metrics = await this.#options.collect({ timeoutMillis: this.#options.finalTimeoutMillis });
        await this.#send({ promkit: 'cluster.final', collection: toWire(metrics) } satisfies FinalMessage);
      } catch {
        // Without its final totals the primary keeps the worker's last answer: nothing to do here.
      }
    })();
    return this.#stopped;
  }

  async #answer(request: CollectRequest): Promise<void> {
    let reply: CollectReply;
    try {
      this.#inFlight ??= this.#options.collect({ timeoutMillis: request.timeoutMillis }).finally(() => (this.#inFlight = undefined));
      const metrics = await this.#inFlight;
      reply = { promkit: 'cluster.collection', requestId: request.requestId, collection: toWire(metrics) };
    } catch (error) {
      reply = { promkit: 'cluster.collection', requestId: request.requestId, error: error instanceof Error ? error.message : String(error) };
    }
    if (this.#stopped === undefined) await this.#send(reply);
  }

  /** Sends when the channel is open; resolves once the message is written (or could not be). */
  #send(message: WorkerMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#host.connected !== true || this.#host.send === undefined) return resolve();
      try {
        this.#host.send(message, () => resolve());
      } catch {
        // The channel closed under us: the primary counts this worker as unreachable.
        resolve();
      }
    });
  }
}
