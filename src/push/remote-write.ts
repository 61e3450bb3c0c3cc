/**
 * Prometheus remote write 1.0 (https://prometheus.io/docs/specs/prw/remote_write_spec/): every
 * interval, one collection becomes one snappy-compressed protobuf `WriteRequest` POSTed to the
 * store (Prometheus with `--web.enable-remote-write-receiver`, VictoriaMetrics, Mimir, Thanos
 * Receive, ...), with the names and labels the scrape would have; native histograms go as the
 * store takes them (`nativeHistograms`). The body is encoded and compressed in slices that give
 * the event loop a turn, as the scrape is rendered. Bodies wait in a {@link RetryingSender}, so a
 * store that is down or slow costs at most `maxQueuedRequests` bodies of memory and never blocks
 * the app.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ConfigError } from '../errors.js';
import type { Env } from '../env.js';
import { encodeWriteRequestInSlices, type TimeSeries } from './protobuf.js';
import { RetryingSender, type Batch, type PushDropReason } from './sender.js';
import { timeSeriesOf, type NativeHistogramsMode, type SeriesOptions, type TargetLabels } from './series.js';
import { snappyCompressInSlices, snappyDecompress } from './snappy.js';

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
  /**
   * How native (exponential) histograms are sent. `'native'`: as remote-write native histograms
   * (the `histograms` field), which Prometheus 2.40+ started with
   * `--enable-feature=native-histograms` (3.x: on by default), Mimir and recent VictoriaMetrics
   * store; a histogram that also has classic buckets sends those too. `'classic'` (the default,
   * because every store takes it): as `_bucket{le}`, `_sum` and `_count` series, `le` being the
   * exponential buckets' upper bounds, so counts are exact and `histogram_quantile` works on
   * them. Choose `'native'` only for a store that takes it: VictoriaMetrics 1.79 drops the
   * `histograms` field without an error (a native-only histogram is then absent), and Prometheus
   * 2.42 without the feature answers 500 to the whole request, which is retried until the queue
   * drops it. Env `PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS`.
   */
  readonly nativeHistograms?: NativeHistogramsMode;
}

export interface ResolvedRemoteWrite {
  readonly url: string;
  readonly intervalMillis: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxQueuedRequests: number;
  readonly timeoutMillis: number;
  readonly nativeHistograms: NativeHistogramsMode;
}

export const REMOTE_WRITE_DEFAULTS = Object.freeze({ intervalMillis: 15_000, maxQueuedRequests: 20, timeoutMillis: 10_000, nativeHistograms: 'classic' as NativeHistogramsMode });

const NATIVE_HISTOGRAMS_MODES: readonly NativeHistogramsMode[] = ['native', 'classic'];

/**
 * `push.remoteWrite.nativeHistograms`, else env `PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS`, else
 * `'classic'`; anything else is a {@link ConfigError}.
 */
export function resolveNativeHistogramsMode(options: Pick<RemoteWriteOptions, 'nativeHistograms'> | undefined, env: Env): NativeHistogramsMode {
  const fromOption = options?.nativeHistograms;
  const raw = fromOption ?? env['PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS']?.trim().toLowerCase();
  if (raw === undefined || raw === '') return REMOTE_WRITE_DEFAULTS.nativeHistograms;
  if ((NATIVE_HISTOGRAMS_MODES as readonly string[]).includes(raw)) return raw as NativeHistogramsMode;
  const setting = fromOption !== undefined ? 'push.remoteWrite.nativeHistograms' : 'PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS';
  throw new ConfigError(setting, `${JSON.stringify(raw)} is not "native" or "classic"`);
}

/** Work between two turns of the event loop while a push is encoded and compressed, as the scrape's serializer slices. */
export const PUSH_SLICE_BUDGET_MS = 5;

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
    const series = { ...this.#options.series, nativeHistograms: this.#options.config.nativeHistograms };
    let batch: Batch;
    try {
      batch = await remoteWriteBatch(timeSeriesOf(metrics, this.#options.target, timestamp, series));
    } catch {
      // Nothing in the encoding should throw; if it does, this push is skipped and the app runs on.
      return;
    }
    this.#sender.enqueue(batch);
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

/**
 * The request body of `series`, encoded and compressed in slices of {@link PUSH_SLICE_BUDGET_MS}.
 * A receiver that answers 413 gets it again in halves ({@link splitWriteRequest}).
 */
export async function remoteWriteBatch(series: Iterable<TimeSeries>): Promise<Batch> {
  let count = 0;
  const counted = (function* () {
    for (const one of series) {
      count++;
      yield one;
    }
  })();
  const encoded = await encodeWriteRequestInSlices(counted, PUSH_SLICE_BUDGET_MS);
  return writeRequestBatch(await snappyCompressInSlices(encoded, PUSH_SLICE_BUDGET_MS), count);
}

function writeRequestBatch(body: Uint8Array, samples: number): Batch {
  return { body, samples, split: () => splitWriteRequest(body) };
}

/**
 * A compressed `WriteRequest` as two, each with half of its series (the first the larger), or
 * undefined when it holds one series or fewer. The series are the request's top-level fields, so
 * halving needs no protobuf decoding: each is a tag, a length and that many bytes.
 */
export async function splitWriteRequest(body: Uint8Array): Promise<[Batch, Batch] | undefined> {
  const bytes = snappyDecompress(body);
  const ends: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    at = skipVarint(bytes, at); // the tag: field 1, length-delimited
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      length += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    at += length;
    ends.push(at);
  }
  if (ends.length < 2) return undefined;
  const half = Math.ceil(ends.length / 2);
  const middle = ends[half - 1]!;
  const [first, second] = await Promise.all([
    snappyCompressInSlices(bytes.subarray(0, middle), PUSH_SLICE_BUDGET_MS),
    snappyCompressInSlices(bytes.subarray(middle), PUSH_SLICE_BUDGET_MS),
  ]);
  return [writeRequestBatch(first, half), writeRequestBatch(second, ends.length - half)];
}

function skipVarint(bytes: Uint8Array, at: number): number {
  while ((bytes[at++]! & 0x80) !== 0);
  return at;
}
