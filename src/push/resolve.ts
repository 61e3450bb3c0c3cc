/**
 * The push outputs' options (remote write, Pushgateway, OTLP timing), resolved from `start()`'s
 * `push` option and the environment. Owned here, beside the pushers that use them.
 */
import { nonEmpty, positiveMillis, type Env } from '../env.js';
import { ConfigError } from '../errors.js';
import { OTLP_DEFAULTS, type OtlpOptions, type ResolvedOtlp } from './otlp.js';
import { PUSHGATEWAY_DEFAULTS, type PushgatewayOptions, type ResolvedPushgateway } from './pushgateway.js';
import { REMOTE_WRITE_DEFAULTS, resolveNativeHistogramsMode, type RemoteWriteOptions, type ResolvedRemoteWrite } from './remote-write.js';

/** Where to push besides (or instead of) being scraped; see docs/scaling-out.md. */
export interface PushOptions {
  /** Prometheus remote write to a store. Env `PROMKIT_REMOTE_WRITE_URL` (and `PROMKIT_REMOTE_WRITE_*`). */
  readonly remoteWrite?: RemoteWriteOptions;
  /** The Pushgateway, pushed to by `handle.push()` and at shutdown. Env `PROMKIT_PUSHGATEWAY_URL`. */
  readonly pushgateway?: PushgatewayOptions;
  /** Timing of OTLP export, when `metricsExporters` (`OTEL_METRICS_EXPORTER`) includes `otlp`. */
  readonly otlp?: OtlpOptions;
}

export interface ResolvedPushConfig {
  readonly remoteWrite: ResolvedRemoteWrite | undefined;
  readonly pushgateway: ResolvedPushgateway | undefined;
  /** Set when `otlp` is among the exporters. */
  readonly otlp: ResolvedOtlp | undefined;
}

/** The push outputs configured by `options` over `env`; `otlp` when the OTLP exporter was chosen. Throws a `ConfigError` for a bad value. */
export function resolve(options: PushOptions, otlp: boolean, env: Env): ResolvedPushConfig {
  const remoteWriteUrl = options.remoteWrite?.url ?? nonEmpty(env['PROMKIT_REMOTE_WRITE_URL']);
  const pushgatewayUrl = options.pushgateway?.url ?? nonEmpty(env['PROMKIT_PUSHGATEWAY_URL']);
  return {
    remoteWrite:
      remoteWriteUrl === undefined
        ? undefined
        : {
            url: checkUrl(options.remoteWrite?.url !== undefined ? 'push.remoteWrite.url' : 'PROMKIT_REMOTE_WRITE_URL', remoteWriteUrl),
            intervalMillis: positiveMillis(
              ['push.remoteWrite.intervalMillis', options.remoteWrite?.intervalMillis],
              ['PROMKIT_REMOTE_WRITE_INTERVAL_MS', env],
              REMOTE_WRITE_DEFAULTS.intervalMillis,
            ),
            headers: options.remoteWrite?.headers ?? parseHeaders('PROMKIT_REMOTE_WRITE_HEADERS', env['PROMKIT_REMOTE_WRITE_HEADERS']),
            maxQueuedRequests: positiveInteger('push.remoteWrite.maxQueuedRequests', options.remoteWrite?.maxQueuedRequests ?? REMOTE_WRITE_DEFAULTS.maxQueuedRequests),
            timeoutMillis: positiveMillis(['push.remoteWrite.timeoutMillis', options.remoteWrite?.timeoutMillis], ['', env], REMOTE_WRITE_DEFAULTS.timeoutMillis),
            nativeHistograms: resolveNativeHistogramsMode(options.remoteWrite, env),
          },
    pushgateway:
      pushgatewayUrl === undefined
        ? undefined
        : {
            url: checkUrl(options.pushgateway?.url !== undefined ? 'push.pushgateway.url' : 'PROMKIT_PUSHGATEWAY_URL', pushgatewayUrl),
            headers: options.pushgateway?.headers ?? parseHeaders('PROMKIT_PUSHGATEWAY_HEADERS', env['PROMKIT_PUSHGATEWAY_HEADERS']),
            timeoutMillis: positiveMillis(['push.pushgateway.timeoutMillis', options.pushgateway?.timeoutMillis], ['', env], PUSHGATEWAY_DEFAULTS.timeoutMillis),
          },
    otlp: otlp
      ? {
          intervalMillis: positiveMillis(['push.otlp.intervalMillis', options.otlp?.intervalMillis], ['OTEL_METRIC_EXPORT_INTERVAL', env], OTLP_DEFAULTS.intervalMillis),
          timeoutMillis: positiveMillis(['push.otlp.timeoutMillis', options.otlp?.timeoutMillis], ['OTEL_METRIC_EXPORT_TIMEOUT', env], OTLP_DEFAULTS.timeoutMillis),
        }
      : undefined,
  };
}

function checkUrl(setting: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(setting, `"${url}" is not a URL; use e.g. "http://localhost:9090/api/v1/write"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(setting, `"${url}" must be an http:// or https:// URL`);
  return url;
}

function positiveInteger(setting: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(setting, `${String(value)} must be a whole number, 1 or more`);
  return value;
}

/** `name=value,name2=value2`, values percent-encoded, as `OTEL_EXPORTER_OTLP_HEADERS`. */
function parseHeaders(variable: string, raw: string | undefined): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const value = nonEmpty(raw);
  if (value === undefined) return headers;
  for (const pair of value.split(',')) {
    const index = pair.indexOf('=');
    const name = index > 0 ? pair.slice(0, index).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new ConfigError(variable, `"${pair}" is not name=value; use e.g. "Authorization=Bearer%20abc,X-Scope-OrgID=team"`);
    try {
      headers[name] = decodeURIComponent(pair.slice(index + 1).trim());
    } catch {
      throw new ConfigError(variable, `the value of "${name}" is not valid percent-encoding`);
    }
  }
  return headers;
}

