/**
 * Delivers request bodies to one receiver in order, retrying what may succeed later and never
 * holding more than a fixed number of bodies: the part of pushing that must neither block nor
 * crash the app, nor grow without bound while a receiver is down.
 *
 * - 2xx: delivered.
 * - 5xx, 429 and connection errors (refused, reset, timed out): retried with exponential back-off
 *   (doubling from `minBackoffMillis` to `maxBackoffMillis`, reset by the next success), as the
 *   remote-write spec asks of senders.
 * - Any other status (4xx: bad request, unauthorised, too large): dropped at once and counted,
 *   because sending the same body again cannot succeed.
 * - A full queue drops its oldest body (the newest holds the newest counter totals) and counts it.
 */

/** Why queued samples were given up on, as counted in `promkit.push.dropped`. */
export const PUSH_DROP_REASONS = ['queue_full', 'rejected', 'shutdown'] as const;
export type PushDropReason = (typeof PUSH_DROP_REASONS)[number];

/** One request body and how many samples it carries (what a drop is counted in). */
export interface Batch {
  readonly body: Uint8Array | string;
  readonly samples: number;
}

export interface SenderOptions {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  /** Bodies held at most, the one being sent included. */
  readonly maxQueued: number;
  /** One request's time limit; a request past it counts as a connection error. */
  readonly timeoutMillis: number;
  readonly minBackoffMillis: number;
  readonly maxBackoffMillis: number;
  readonly onDrop: (reason: PushDropReason, samples: number, detail: string) => void;
  /** Told each time a body was accepted (tests, logging). */
  readonly onDelivered?: (batch: Batch) => void;
  /** Injected in tests; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

type Outcome = 'delivered' | 'rejected' | 'retry';

export class RetryingSender {
  readonly #options: SenderOptions;
  readonly #queue: Batch[] = [];
  #running: Promise<void> | undefined;
  /** Failed attempts since the last success: the back-off exponent. */
  #failures = 0;
  #wake: (() => void) | undefined;
  #closed = false;
  /** While flushing for exit, timers keep the process alive; otherwise they never do. */
  #holdProcess = false;

  constructor(options: SenderOptions) {
    this.#options = options;
  }

  /** Bodies waiting or being sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues `batch` for delivery and returns at once; the oldest queued body is dropped when full. */
  enqueue(batch: Batch): void {
    if (this.#closed) {
      this.#options.onDrop('shutdown', batch.samples, 'the pusher is shut down');
      return;
    }
    this.#queue.push(batch);
    while (this.#queue.length > this.#options.maxQueued) {
      const dropped = this.#queue.shift()!;
      this.#options.onDrop('queue_full', dropped.samples, `more than ${this.#options.maxQueued} requests waiting for ${this.#options.url}`);
    }
    // The loop clears `#running` in the same synchronous step as it finds the queue empty, so a
    // body queued after that starts a new loop and is never stranded.
    this.#running ??= this.#run();
  }

  /**
   * Resolves true once the queue is empty, or false after `timeoutMillis` with bodies still
   * waiting (they stay queued). Timers meanwhile keep the process alive, so an exiting app waits.
   */
  async drained(timeoutMillis: number): Promise<boolean> {
    if (this.#running === undefined) return this.#queue.length === 0;
    this.#holdProcess = true;
    // A back-off in progress is cut short: the caller is waiting now.
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, timeoutMillis, false);
    });
    try {
      return await Promise.race([this.#running.then(() => this.#queue.length === 0), expired]);
    } finally {
      clearTimeout(timer);
      this.#holdProcess = false;
    }
  }

  /**
   * Waits up to `timeoutMillis` for the queue to drain ({@link RetryingSender.drained}); whatever
   * is left then is dropped (counted as `shutdown`) and nothing more is accepted. `waitedMillis`:
   * how long the caller has already waited for delivery, for the drop's message (default `timeoutMillis`).
   */
  async close(timeoutMillis: number, waitedMillis: number = timeoutMillis): Promise<void> {
    await this.drained(timeoutMillis);
    this.#closed = true;
    this.#wake?.();
    for (const batch of this.#queue.splice(0)) {
      this.#options.onDrop('shutdown', batch.samples, `not delivered to ${this.#options.url} within ${waitedMillis} ms of shutdown`);
    }
  }

  async #run(): Promise<void> {
    try {
      await this.#drain();
    } catch {
      // Nothing in the loop should throw; if it does, pushing stops for now, the app runs on.
    } finally {
      this.#running = undefined;
    }
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue[0]!;
      const outcome = await this.#attempt(batch);
      // Dropped (queue full, shutdown) while in flight: already counted.
      if (this.#queue[0] !== batch) continue;
      if (outcome === 'retry') {
        this.#failures++;
        await this.#backOff();
        continue;
      }
      this.#queue.shift();
      if (outcome === 'delivered') {
        this.#failures = 0;
        this.#options.onDelivered?.(batch);
      }
    }
  }

  async #attempt(batch: Batch): Promise<Outcome> {
    const { url, method, headers, timeoutMillis } = this.#options;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, { method, headers, body: batch.body, signal: AbortSignal.timeout(timeoutMillis) });
    } catch {
      // Refused, reset, DNS, timeout: the receiver may be back later.
      return 'retry';
    }
    // The body is small (an error message at most); reading it frees the connection for reuse.
    const text = await response.text().catch(() => '');
    if (response.ok) return 'delivered';
    if (response.status >= 500 || response.status === 429) return 'retry';
    this.#options.onDrop('rejected', batch.samples, `${url} answered ${response.status}: ${text.slice(0, 200).trim()}`);
    return 'rejected';
  }

  #backOff(): Promise<void> {
    const { minBackoffMillis, maxBackoffMillis } = this.#options;
    const delay = Math.min(maxBackoffMillis, minBackoffMillis * 2 ** Math.min(this.#failures - 1, 30));
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      if (!this.#holdProcess) timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
