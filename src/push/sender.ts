/**
 * Delivers request bodies to one receiver in order, retrying what may succeed later and never
 * holding more than a fixed number of bodies: the part of pushing that must neither block nor
 * crash the app, nor grow without bound while a receiver is down.
 *
 * - 2xx: delivered.
 * - 5xx, 429 and connection errors (refused, reset, timed out): retried with exponential back-off
 *   (doubling from `minBackoffMillis` to `maxBackoffMillis`, reset by the next success), as the
 *   remote-write spec asks of senders. A `Retry-After` on 429 or 503 (seconds or an HTTP date)
 *   replaces the back-off, up to `maxBackoffMillis`: the sender never waits longer between two
 *   attempts than its own back-off could.
 * - 413 (too large): a body that can be split ({@link Batch.split}) is sent again in halves,
 *   recursively, down to one series; one that cannot is dropped as `too_large`.
 * - Any other status (4xx: bad request, unauthorised): dropped at once, because sending the same
 *   body again cannot succeed, and counted as `rejected`. A receiver may have stored part of it
 *   (Mimir, for one, answers 400 when some samples were invalid, having written the valid ones):
 *   when it says how many it wrote (the remote-write 2.0 `X-Prometheus-Remote-Write-Samples-Written`
 *   and `-Histograms-Written` headers, read whenever a response has them), only the rest is
 *   counted; a 1.0 response does not say, and then the whole body is counted, an upper bound.
 * - A full queue drops its oldest body (the newest holds the newest counter totals) and counts it.
 */

/** Why queued samples were given up on, as counted in `promkit.push.dropped`. */
export const PUSH_DROP_REASONS = ['queue_full', 'rejected', 'too_large', 'shutdown'] as const;
export type PushDropReason = (typeof PUSH_DROP_REASONS)[number];

/** One request body and how many samples it carries (what a drop is counted in). */
export interface Batch {
  readonly body: Uint8Array | string;
  readonly samples: number;
  /**
   * The same samples as two bodies, for a receiver that answered 413; undefined (or resolving
   * undefined) when the body cannot be split further.
   */
  readonly split?: () => Promise<readonly Batch[] | undefined>;
}

/** The response headers of a remote-write 2.0 receiver that say how much of a request it wrote. */
const WRITTEN_HEADERS = ['x-prometheus-remote-write-samples-written', 'x-prometheus-remote-write-histograms-written'] as const;

/**
 * `Retry-After` in milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable.
 */
export function retryAfterMillis(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
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

type Outcome =
  | { readonly kind: 'delivered' | 'dropped' }
  | { readonly kind: 'retry'; readonly afterMillis?: number | undefined }
  | { readonly kind: 'split'; readonly parts: readonly Batch[] };

const DELIVERED: Outcome = { kind: 'delivered' };
const DROPPED: Outcome = { kind: 'dropped' };
const RETRY: Outcome = { kind: 'retry' };

/** A queued body and when it was queued (what a shutdown drop reports). */
interface Entry {
  readonly batch: Batch;
  readonly since: number;
}

export class RetryingSender {
  readonly #options: SenderOptions;
  readonly #queue: Entry[] = [];
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
    this.#queue.push({ batch, since: performance.now() });
    while (this.#queue.length > this.#options.maxQueued) {
      const dropped = this.#queue.shift()!;
      this.#options.onDrop('queue_full', dropped.batch.samples, `more than ${this.#options.maxQueued} requests waiting for ${this.#options.url}`);
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
   * is left then is dropped (counted as `shutdown`, its message saying how long each body waited)
   * and nothing more is accepted.
   */
  async close(timeoutMillis: number): Promise<void> {
    await this.drained(timeoutMillis);
    this.#closed = true;
    this.#wake?.();
    const now = performance.now();
    for (const { batch, since } of this.#queue.splice(0)) {
      // How long the body waited, not the last wait alone: a Pushgateway push waited its whole timeout before this.
      this.#options.onDrop('shutdown', batch.samples, `not delivered to ${this.#options.url} within ${Math.round(now - since)} ms`);
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
      const entry = this.#queue[0]!;
      const outcome = await this.#attempt(entry.batch);
      // Dropped (queue full, shutdown) while in flight: already counted.
      if (this.#queue[0] !== entry) continue;
      if (outcome.kind === 'retry') {
        this.#failures++;
        await this.#backOff(outcome.afterMillis);
        continue;
      }
      if (outcome.kind === 'split') {
        // The halves take the body's place, in order; they count as one request against the queue bound no more than it did.
        this.#queue.splice(0, 1, ...outcome.parts.map((batch) => ({ batch, since: entry.since })));
        continue;
      }
      this.#queue.shift();
      if (outcome.kind === 'delivered') {
        this.#failures = 0;
        this.#options.onDelivered?.(entry.batch);
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
      return RETRY;
    }
    // The body is small (an error message at most); reading it frees the connection for reuse.
    const text = await response.text().catch(() => '');
    if (response.ok) return DELIVERED;
    const status = response.status;
    if (status === 429 || status === 503) return { kind: 'retry', afterMillis: retryAfterMillis(response.headers.get('retry-after')) };
    if (status >= 500) return RETRY;
    const detail = `${url} answered ${status}: ${text.slice(0, 200).trim()}`;
    if (status === 413) {
      const parts = await batch.split?.().catch(() => undefined);
      if (parts !== undefined && parts.length > 0) return { kind: 'split', parts };
      this.#options.onDrop('too_large', batch.samples, detail);
      return DROPPED;
    }
    const refused = batch.samples - (writtenOf(response.headers) ?? 0);
    if (refused > 0) this.#options.onDrop('rejected', refused, detail);
    return DROPPED;
  }

  /** Waits `afterMillis` (the receiver's `Retry-After`) or the exponential back-off, at most `maxBackoffMillis`. */
  #backOff(afterMillis: number | undefined): Promise<void> {
    const { minBackoffMillis, maxBackoffMillis } = this.#options;
    const delay = Math.min(maxBackoffMillis, afterMillis ?? minBackoffMillis * 2 ** Math.min(this.#failures - 1, 30));
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

/** Samples and histograms the receiver says it wrote, when it says (remote-write 2.0 headers); else undefined. */
function writtenOf(headers: Headers): number | undefined {
  let written: number | undefined;
  for (const name of WRITTEN_HEADERS) {
    const value = headers.get(name);
    if (value === null || !/^\d+$/.test(value.trim())) continue;
    written = (written ?? 0) + Number(value.trim());
  }
  return written;
}
