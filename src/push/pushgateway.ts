/**
 * The Prometheus Pushgateway (https://github.com/prometheus/pushgateway), for batch jobs that end
 * before Prometheus would scrape them: the job's whole exposition replaces its group
 * (`PUT /metrics/job/<job>/instance/<instance>`), so each push states the job's latest totals and
 * nothing lingers from an earlier run of the same job on the same instance. Prometheus then
 * scrapes the Pushgateway (with `honor_labels: true`, so `job` and `instance` stay the pushed ones).
 */
import { RetryingSender, type PushDropReason } from './sender.js';
import type { TargetLabels } from './series.js';

/** Options of `start({ push: { pushgateway } })`. */
export interface PushgatewayOptions {
  /** The Pushgateway's base URL, e.g. `http://pushgateway:9091`. Env `PROMKIT_PUSHGATEWAY_URL`. */
  readonly url: string;
  /** Extra request headers (auth). Env `PROMKIT_PUSHGATEWAY_HEADERS` as `name=value,...`, values percent-encoded. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long one push may take, retries included, default 10000 ms. */
  readonly timeoutMillis?: number;
}

export interface ResolvedPushgateway {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMillis: number;
}

export const PUSHGATEWAY_DEFAULTS = Object.freeze({ timeoutMillis: 10_000 });

/** The text exposition format the Pushgateway parses. */
const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * One grouping-key path segment pair. Values with a `/` (or empty ones) use the Pushgateway's
 * `@base64` form (URL-safe base64), since an encoded slash is not reliably kept by proxies.
 */
export function groupingSegment(name: string, value: string): string {
  if (value === '' || value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/** The group URL for `target` under the Pushgateway at `base`. */
export function groupUrl(base: string, target: TargetLabels): string {
  return `${base.replace(/\/+$/, '')}/metrics/${groupingSegment('job', target.job)}/${groupingSegment('instance', target.instance)}`;
}

export interface PushgatewayPusherOptions {
  readonly config: ResolvedPushgateway;
  readonly target: TargetLabels;
  /** The scrape body, as `/metrics` would serve it now. */
  readonly scrape: () => Promise<string>;
  readonly onDrop: (reason: PushDropReason, samples: number, detail: string) => void;
  readonly backoff?: { readonly minMillis: number; readonly maxMillis: number };
  readonly fetch?: typeof fetch;
}

/** Samples in a text exposition: its lines that are neither comments nor blank. */
function countSamples(text: string): number {
  let samples = 0;
  for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) samples++;
  return samples;
}

export class PushgatewayPusher {
  readonly #options: PushgatewayPusherOptions;
  readonly #sender: RetryingSender;

  constructor(options: PushgatewayPusherOptions) {
    this.#options = options;
    const backoff = options.backoff ?? { minMillis: 100, maxMillis: 2000 };
    this.#sender = new RetryingSender({
      url: groupUrl(options.config.url, options.target),
      method: 'PUT',
      headers: { ...options.config.headers, 'Content-Type': TEXT_CONTENT_TYPE, 'User-Agent': 'promkit' },
      // Each push replaces the group: only the newest body matters.
      maxQueued: 1,
      timeoutMillis: options.config.timeoutMillis,
      minBackoffMillis: backoff.minMillis,
      maxBackoffMillis: backoff.maxMillis,
      onDrop: options.onDrop,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    });
  }

  /** The group this process pushes to. */
  get url(): string {
    return groupUrl(this.#options.config.url, this.#options.target);
  }

  /**
   * Replaces the group with the current exposition; resolves once it was accepted, refused, or
   * `timeoutMillis` passed (retrying 5xx and connection errors meanwhile). Never rejects.
   */
  async push(): Promise<void> {
    let text: string;
    try {
      text = await this.#options.scrape();
    } catch {
      return;
    }
    this.#sender.enqueue({ body: text, samples: countSamples(text) });
    await this.#sender.drained(this.#options.config.timeoutMillis);
  }

  /** The final push (the batch job's result), then nothing more is sent. */
  async shutdown(): Promise<void> {
    await this.push();
    // push() has waited (up to timeoutMillis) already; the drop message says how long the body waited.
    await this.#sender.close(0);
  }
}
