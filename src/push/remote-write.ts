/**
 * Prometheus remote write 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/): every
 * interval, one collection becomes one snappy-compressed protobuf `WriteRequest` POSTed to the
 * store (Prometheus with `--web.enable-remote-write-receiver`, VictoriaMetrics, Mimir, Thanos
 * Receive, ...), with the names and labels the scrape would have. Bodies wait in a
 * {@link RetryingSender}, so a store that is down or slow costs at most `maxQueuedRequests`
 * bodies of memory and never blocks the app.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { encodeWriteRequest } from './protobuf.js';
import { RetryingSender, type PushDropReason } from './sender.js';
import { toTimeSeries, type SeriesOptions, type TargetLabels } from './series.js';
import { snappyCompress } from './snappy.js';

/** Options of `start({ push: { remoteWrite } })`. */
export interface RemoteWriteOptions {
  /** The store's remote-write endpoint, e.g. `http://prometheus:9090/api/v1/write`. Env `PROMKIT_REMOTE_WRITE_URL`. */
  readonly url: string;
  /** Time between pushes. Env `PROMKIT_REMOTE_WRITE_INTERVAL_MS`, default 15000 (a common scrape interval). */
  readonly intervalMillis?: number;
  /**
   * Extra request headers, e.g. `{ Authorization: 'Bearer …' }` or a tenant header
   * (`X-Scope-OrgID`). Env `PROMKIT_REMOTE_WRITE_HEADERS` as `name=value,name2=value2`, values
   * percent-encoded (as `OTEL_EXPORTER_OTLP_HEADERS`).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Requests held while the store is down or slow, the one in flight included; the oldest is dropped beyond. Default 20. */
  readonly maxQueuedRequests?: number;
  /** One request's time limit, default 10000 ms; a request past it is retried. */
  readonly timeoutMillis?: number;
}

export interface ResolvedRemoteWrite {
  readonly url: string;
  readonly intervalMillis: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxQueuedRequests: number;
  readonly timeoutMillis: number;
}

export const REMOTE_WRITE_DEFAULTS = Object.freeze({ intervalMillis: 15_000, maxQueuedRequests: 20, timeoutMillis: 10_000 });

/** Back-off between retries: doubling from 100 ms, at most 30 s (Prometheus's own sender uses 30 ms to 5 s). */
export const REMOTE_WRITE_BACKOFF = Object.freeze({ minMillis: 100, maxMillis: 30_000 });

/** The headers the 1.0 spec requires. */
export const REMOTE_WRITE_HEADERS = Object.freeze({
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
  'User-Agent': 'promkit',
});

export interface RemoteWritePusherOptions {
  readonly config: ResolvedRemoteWrite;
  /** One collection, as the scrape endpoint makes it. */
  readonly collect: () => Promise<ResourceMetrics>;
  /** `job` and `instance` of every series (see `targetLabels`). */
  readonly target: TargetLabels;
  readonly series: SeriesOptions;
  readonly onDrop: (reason: PushDropReason, samples: number, detail: string) => void;
  /** Milliseconds since the epoch, the samples' timestamp; default `Date.now`. */
  readonly now?: () => number;
  /** Back-off bounds, shortened in tests; default {@link REMOTE_WRITE_BACKOFF}. */
  readonly backoff?: { readonly minMillis: number; readonly maxMillis: number };
  readonly fetch?: typeof fetch;
}

export class RemoteWritePusher {
  readonly #options: RemoteWritePusherOptions;
  readonly #sender: RetryingSender;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RemoteWritePusherOptions) {
    this.#options = options;
    const { config } = options;
    const backoff = options.backoff ?? REMOTE_WRITE_BACKOFF;
    this.#sender = new RetryingSender({
      url: config.url,
      method: 'POST',
      // The spec's headers win over configured ones: a store cannot read anything else.
      headers: { ...config.headers, ...REMOTE_WRITE_HEADERS },
      maxQueued: config.maxQueuedRequests,
      timeoutMillis: config.timeoutMillis,
      minBackoffMillis: backoff.minMillis,
      maxBackoffMillis: backoff.maxMillis,
      onDrop: options.onDrop,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    });
  }

  /** Requests waiting or in flight. */
  get queued(): number {
    return this.#sender.queued;
  }

  /** Pushes every `intervalMillis`; the timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.push(), this.#options.config.intervalMillis);
    this.#timer.unref();
  }

  /**
   * Collects now and queues the request; resolves once it is queued (not delivered). Never
   * rejects: a failed collection is reported through `diag` by the collector and skipped.
   */
  async push(): Promise<void> {
    if (this.#stopped) return;
    let metrics: ResourceMetrics;
    try {
      metrics = await this.#options.collect();
    } catch {
      return;
    }
    const timestamp = (this.#options.now ?? Date.now)();
    const series = toTimeSeries(metrics, this.#options.target, timestamp, this.#options.series);
    this.#sender.enqueue({ body: snappyCompress(encodeWriteRequest(series)), samples: series.length });
  }

  /**
   * Stops the timer, pushes one last collection and waits up to `timeoutMillis` for the queue to
   * drain; what is left is dropped and counted. Idempotent.
   */
  async shutdown(timeoutMillis: number = this.#options.config.timeoutMillis): Promise<void> {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    await this.push();
    this.#stopped = true;
    await this.#sender.close(timeoutMillis);
  }
}
