import { nonEmpty, resolveQuiet, type Env } from './env.js';
import { DEFAULT_HEALTH, type HealthOptions, type ResolvedHealthConfig } from './health/options.js';
import { RUNTIME_METRICS_SELECTIONS, type RuntimeMetricsSelection } from './runtime/select.js';
import { CLUSTER_AGGREGATIONS, type ClusterAggregation } from './catalogue/types.js';
import { findDefinition } from './catalogue/index.js';
import { ConfigError } from './errors.js';
import type { Instrumentation } from '../instrumentation/otel-instrumentations.js';
import type { RouteNormalizer } from './facade/http/route.js';
import type { BucketOverrides } from './otel/views.js';
import { OTLP_DEFAULTS, type OtlpOptions, type ResolvedOtlp } from './push/otlp.js';
import { PUSHGATEWAY_DEFAULTS, type PushgatewayOptions, type ResolvedPushgateway } from './push/pushgateway.js';
import { REMOTE_WRITE_DEFAULTS, type RemoteWriteOptions, type ResolvedRemoteWrite } from './push/remote-write.js';
import type { EndpointAuth } from './server/auth.js';
import { DEFAULT_COLLECT_TIMEOUT_MILLIS } from './server/server.js';

export type { EndpointAuth, HealthOptions, ResolvedHealthConfig, RuntimeMetricsSelection };
export { DEFAULT_HEALTH, RUNTIME_METRICS_SELECTIONS, resolveQuiet };
export { DEFAULT_COLLECT_TIMEOUT_MILLIS };

export const HTTP_SERVER_SOURCES = ['diagnostics_channel', 'instrumentation-http'] as const;
export type HttpServerSource = (typeof HTTP_SERVER_SOURCES)[number];
export const HTTP_CLIENT_SOURCES = ['diagnostics_channel', 'instrumentation-http'] as const;
export type HttpClientSource = (typeof HTTP_CLIENT_SOURCES)[number];

/**
 * The OpenTelemetry instrumentations `PROMKIT_INSTRUMENTATIONS` can name, and the package and
 * export each is loaded from (out of the app's own `node_modules`: promkit does not depend on them).
 */
export const NAMED_INSTRUMENTATIONS = Object.freeze({
  pg: Object.freeze({ packageName: '@opentelemetry/instrumentation-pg', exportName: 'PgInstrumentation' }),
});
export type InstrumentationName = keyof typeof NAMED_INSTRUMENTATIONS;

/**
 * Which names runtime metrics are exported under: the OpenTelemetry conventions (`otel`, the
 * default), prom-client's default metrics (`prom-client`: `process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, ...), both sets, or none (`off`).
 */

/**
 * The values `OTEL_METRICS_EXPORTER` may list: `prometheus` (the scrape endpoint), `otlp` (OTLP
 * push through the upstream exporter) and `none` (neither; remote write and the Pushgateway are
 * configured on their own).
 */
export const METRICS_EXPORTERS = ['prometheus', 'otlp', 'none'] as const;
export type MetricsExporterName = (typeof METRICS_EXPORTERS)[number];

/** Where to push besides (or instead of) being scraped; see the README's "Scaling out". */
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

/** Options for {@link start}; every field falls back to the standard OTel environment variable, then a default. */
export interface StartOptions {
  /** Interface the scrape server binds. Env `OTEL_EXPORTER_PROMETHEUS_HOST`, default `localhost` (never all interfaces by accident). */
  readonly host?: string;
  /** Port of the scrape server; `0` picks a free one (read it back from the handle). Env `OTEL_EXPORTER_PROMETHEUS_PORT`, default 9464. */
  readonly port?: number;
  /** Path of the scrape endpoint, default `/metrics`. */
  readonly endpoint?: string;
  /**
   * Open the scrape server on its own port, default true. With `false` nothing listens: the
   * endpoints are served only on the app's own server through `metricsHandler()`, for services
   * that cannot open a second port. Env `PROMKIT_SCRAPE_SERVER=false`.
   */
  readonly scrapeServer?: boolean;
  /** `service.name` resource attribute. Env `OTEL_SERVICE_NAME`. */
  readonly serviceName?: string;
  /** Extra resource attributes; merged over env `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** Start nothing. Env `OTEL_SDK_DISABLED=true`. */
  readonly disabled?: boolean;
  /** Append unit suffixes (`_seconds`, `_bytes`) to Prometheus names, default true. */
  readonly unitSuffixes?: boolean;
  /** Add `otel_scope_name`/`otel_scope_version` labels to every series, default false. */
  readonly scopeLabels?: boolean;
  /** Export the `target_info` series with the resource attributes, default true. */
  readonly targetInfo?: boolean;
  /** Series per metric before new label sets go to the overflow series, default 2000. */
  readonly cardinalityLimit?: number;
  /**
   * Seconds a label set may go unwritten before its series leaves the scrape and memory (a
   * counter that comes back starts from 0 as a new series); default: never. Env `PROMKIT_SERIES_TTL`.
   */
  readonly seriesTtl?: number;
  /** Per-metric bucket overrides for catalogue histograms. */
  readonly buckets?: BucketOverrides;
  /**
   * Catalogue histograms (OpenTelemetry names, e.g. `http.server.request.duration`) to record as
   * native histograms as well, served in the protobuf format to a Prometheus that asks for it;
   * their classic buckets stay, so dashboards over `_bucket` keep working. User histograms opt in
   * with `histogram({ ..., native: true })`. Env `PROMKIT_NATIVE_HISTOGRAMS` (comma-separated).
   */
  readonly nativeHistograms?: readonly string[];
  /**
   * Record HTTP metrics automatically, default true: `node:http`/`node:https` server and client
   * requests, from the sources chosen by `httpServerSource` and `httpClientSource`.
   */
  readonly instrumentHttp?: boolean;
  /**
   * Where automatic `http.server.*` metrics come from: Node's `diagnostics_channel` HTTP events
   * (default: cheaper, and records `http.route`) or `@opentelemetry/instrumentation-http`.
   * Env `PROMKIT_HTTP_SERVER_SOURCE`.
   */
  readonly httpServerSource?: HttpServerSource;
  /**
   * Where automatic `http.client.request.duration` for `node:http`/`node:https` comes from: Node's
   * `diagnostics_channel` HTTP events (default: one count per request in CommonJS and ESM apps,
   * no loader hook) or `@opentelemetry/instrumentation-http`. Env `PROMKIT_HTTP_CLIENT_SOURCE`.
   */
  readonly httpClientSource?: HttpClientSource;
  /** Turns raw request paths into route templates for `http.route`; default `normalizeRoute`. */
  readonly normalizeRoute?: RouteNormalizer;
  /** Record `http.client.request.duration` for `fetch` (undici), default true. */
  readonly instrumentFetch?: boolean;
  /**
   * OpenTelemetry instrumentations to register on promkit's meter provider (e.g.
   * `new PgInstrumentation()`), so their metrics get the catalogue's buckets, names and label
   * allow-lists. Create them before the library they patch is loaded (or use the preload). Env
   * `PROMKIT_INSTRUMENTATIONS=pg` adds the named ones, loaded from the app's `node_modules`.
   */
  readonly instrumentations?: readonly Instrumentation[];
  /**
   * Record Node.js runtime metrics (CPU, memory, heap spaces, event-loop delay, GC, active
   * resources) and under which names: `'otel'` (same as `true`, the default), `'prom-client'`
   * (prom-client's default metric names, for existing dashboards), `'both'`, or `'off'` (same as
   * `false`). Env `PROMKIT_RUNTIME_METRICS`.
   */
  readonly runtimeMetrics?: boolean | RuntimeMetricsSelection;
  /**
   * A bearer token every endpoint (`/metrics`, `/metrics/json`, `/metrics/health`, `/metrics/ui`)
   * requires; the page also takes it as `?token=`, since a browser cannot send it as a header when
   * it opens a page. Env `PROMKIT_METRICS_TOKEN`. Prefer the variable: a token in code ends up in
   * the repository.
   */
  readonly authToken?: string;
  /** `user:password` for HTTP basic auth on every endpoint. Env `PROMKIT_METRICS_BASIC_AUTH`. Exclusive with a token. */
  readonly basicAuth?: string;
  /** The `/metrics/health` view: sliding window and error-ratio thresholds. */
  readonly health?: HealthOptions;
  /**
   * Serve `/metrics/ui`, a live page of the metrics for people without Grafana (behind the same
   * auth as the other endpoints). Env `PROMKIT_UI=false` turns it off; default true.
   */
  readonly ui?: boolean;
  /**
   * How long a collection may take when the request does not say (Prometheus sends
   * `X-Prometheus-Scrape-Timeout-Seconds`, which wins): an observable callback still running at
   * the deadline is skipped for that collection and counted as `callback_timeout`. Env
   * `PROMKIT_COLLECT_TIMEOUT_MS`, default 5000.
   */
  readonly collectTimeoutMillis?: number;
  /** Print no promkit lines on stderr (start-up notice, warnings). Env `PROMKIT_QUIET=true`, default false. */
  readonly quiet?: boolean;
  /**
   * Which standard exporters run: `['prometheus']` (the default: the scrape endpoint),
   * `['otlp']`, `['prometheus', 'otlp']`, or `['none']`. Env `OTEL_METRICS_EXPORTER`
   * (comma-separated). Without `prometheus` no port is bound; `scrape()` and pushes still work.
   */
  readonly metricsExporters?: readonly MetricsExporterName[];
  /** Remote write, Pushgateway and OTLP timing. */
  readonly push?: PushOptions;
  /**
   * `node:cluster` mode, default false. Env `PROMKIT_CLUSTER=true`. In the primary, the one
   * scrape endpoint serves the merged collection of the primary and every worker; in a worker,
   * no endpoint is served and collections go to the primary over the cluster IPC channel.
   */
  readonly cluster?: boolean;
  /**
   * Cluster mode: how the workers' values of your own gauges and up-down counters are merged, by
   * OpenTelemetry name (`{ 'queue.depth': 'sum' }`); default `per_worker`. Catalogue metrics
   * declare their own.
   */
  readonly clusterAggregation?: Readonly<Record<string, ClusterAggregation>>;
}

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly scrapeServer: boolean;
  readonly disabled: boolean;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly unitSuffixes: boolean;
  readonly scopeLabels: boolean;
  readonly targetInfo: boolean;
  readonly cardinalityLimit: number | undefined;
  readonly seriesTtl: number | undefined;
  readonly buckets: BucketOverrides;
  readonly nativeHistograms: readonly string[];
  readonly instrumentHttp: boolean;
  readonly httpServerSource: HttpServerSource;
  readonly httpClientSource: HttpClientSource;
  readonly normalizeRoute: RouteNormalizer | undefined;
  readonly instrumentFetch: boolean;
  /** Instances passed in `instrumentations`. */
  readonly instrumentations: readonly Instrumentation[];
  /** Instrumentations named in `PROMKIT_INSTRUMENTATIONS`, to be loaded from the app's `node_modules`. */
  readonly namedInstrumentations: readonly InstrumentationName[];
  readonly runtimeMetrics: RuntimeMetricsSelection;
  readonly auth: EndpointAuth;
  readonly health: ResolvedHealthConfig;
  /** Whether `/metrics/ui` is served. */
  readonly ui: boolean;
  readonly collectTimeoutMillis: number;
  readonly quiet: boolean;
  readonly cluster: boolean;
  readonly clusterAggregation: Readonly<Record<string, ClusterAggregation>>;
  /** Without `none`; empty when `none` was chosen. */
  readonly metricsExporters: readonly Exclude<MetricsExporterName, 'none'>[];
  readonly push: ResolvedPushConfig;
}

export const DEFAULT_HOST = 'localhost';
export const DEFAULT_PORT = 9464;
export const DEFAULT_ENDPOINT = '/metrics';


/**
 * The one place promkit reads environment variables. Options win over the environment; a bad
 * value throws a {@link ConfigError} that names the setting and what to set instead.
 */
export function resolveConfig(options: StartOptions = {}, env: Env = process.env): ResolvedConfig {
  const port = options.port ?? parsePort(env['OTEL_EXPORTER_PROMETHEUS_PORT']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('port', `${String(port)} is not a port number; use an integer from 0 to 65535 (0 picks a free port)`);
  }
  if (options.cardinalityLimit !== undefined && (!Number.isInteger(options.cardinalityLimit) || options.cardinalityLimit < 1)) {
    throw new ConfigError('cardinalityLimit', `${String(options.cardinalityLimit)} is not a number of series; use an integer of 1 or more (default 2000)`);
  }
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  if (!endpoint.startsWith('/')) throw new ConfigError('endpoint', `"${endpoint}" must start with "/", e.g. "/metrics"`);
  const resourceAttributes: Record<string, string> = {
    ...parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']),
    ...options.resourceAttributes,
  };
  const serviceName = options.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']);
  if (serviceName !== undefined) resourceAttributes['service.name'] = serviceName;
  const metricsExporters = resolveMetricsExporters(options.metricsExporters, env['OTEL_METRICS_EXPORTER']);
  return {
    host: options.host ?? nonEmpty(env['OTEL_EXPORTER_PROMETHEUS_HOST']) ?? DEFAULT_HOST,
    port,
    endpoint,
    scrapeServer: options.scrapeServer ?? (nonEmpty(env['PROMKIT_SCRAPE_SERVER']) === undefined || parseBoolean('PROMKIT_SCRAPE_SERVER', env['PROMKIT_SCRAPE_SERVER'])),
    disabled: options.disabled ?? parseBoolean('OTEL_SDK_DISABLED', env['OTEL_SDK_DISABLED']),
    resourceAttributes,
    unitSuffixes: options.unitSuffixes ?? true,
    scopeLabels: options.scopeLabels ?? false,
    targetInfo: options.targetInfo ?? true,
    cardinalityLimit: options.cardinalityLimit,
    seriesTtl: resolveSeriesTtl(options.seriesTtl, env['PROMKIT_SERIES_TTL']),
    buckets: options.buckets ?? {},
    nativeHistograms: resolveNativeHistograms(options.nativeHistograms, env['PROMKIT_NATIVE_HISTOGRAMS']),
    instrumentHttp: options.instrumentHttp ?? true,
    httpServerSource: resolveSource(HTTP_SERVER_SOURCES, ['httpServerSource', options.httpServerSource], ['PROMKIT_HTTP_SERVER_SOURCE', env]),
    httpClientSource: resolveSource(HTTP_CLIENT_SOURCES, ['httpClientSource', options.httpClientSource], ['PROMKIT_HTTP_CLIENT_SOURCE', env]),
    normalizeRoute: options.normalizeRoute,
    instrumentFetch: options.instrumentFetch ?? true,
    instrumentations: checkInstrumentations(options.instrumentations ?? []),
    namedInstrumentations: parseInstrumentationNames(env['PROMKIT_INSTRUMENTATIONS']),
    runtimeMetrics: resolveRuntimeMetrics(options.runtimeMetrics, env['PROMKIT_RUNTIME_METRICS']),
    auth: resolveAuth(options, env),
    health: resolveHealth(options.health ?? {}, env),
    ui: options.ui ?? parseBooleanOr('PROMKIT_UI', env['PROMKIT_UI'], true),
    collectTimeoutMillis: resolveCollectTimeout(options, env),
    quiet: options.quiet ?? resolveQuiet(env),
    cluster: options.cluster ?? parseBoolean('PROMKIT_CLUSTER', env['PROMKIT_CLUSTER']),
    clusterAggregation: checkClusterAggregation(options.clusterAggregation ?? {}),
    metricsExporters,
    push: resolvePush(options.push ?? {}, metricsExporters.includes('otlp'), env),
  };
}

/** `seriesTtl` or `PROMKIT_SERIES_TTL`: seconds, a positive number; unset or empty: never. */
function resolveSeriesTtl(option: number | undefined, raw: string | undefined): number | undefined {
  const setting = option !== undefined ? 'seriesTtl' : 'PROMKIT_SERIES_TTL';
  const text = nonEmpty(raw);
  const ttl = option ?? (text === undefined ? undefined : Number(text));
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !(ttl > 0) || ttl === Infinity) {
    throw new ConfigError(setting, `${JSON.stringify(option ?? raw)} is not a number of seconds; use a positive number (e.g. 600), or leave it unset to keep idle series`);
  }
  return ttl;
}

function checkClusterAggregation(aggregation: Readonly<Record<string, ClusterAggregation>>): Readonly<Record<string, ClusterAggregation>> {
  for (const [name, policy] of Object.entries(aggregation)) {
    if (!(CLUSTER_AGGREGATIONS as readonly string[]).includes(policy)) {
      throw new ConfigError('clusterAggregation', `${JSON.stringify(policy)} for "${name}" is not one of ${CLUSTER_AGGREGATIONS.map((p) => `"${p}"`).join(', ')}`);
    }
  }
  return aggregation;
}

/**
 * `PROMKIT_QUIET=true` (any case). Exported so that code running before or without `start()`
 * asks here too. Anything else means "not quiet": a typo in a logging switch is no reason to
 * run the app without metrics.
 */
function resolveMetricsExporters(option: readonly string[] | undefined, raw: string | undefined): readonly Exclude<MetricsExporterName, 'none'>[] {
  const setting = option !== undefined ? 'metricsExporters' : 'OTEL_METRICS_EXPORTER';
  const names = option ?? (nonEmpty(raw)?.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '') ?? ['prometheus']);
  for (const name of names) {
    if (!(METRICS_EXPORTERS as readonly string[]).includes(name)) {
      throw new ConfigError(setting, `"${name}" is not one of ${METRICS_EXPORTERS.map((n) => `"${n}"`).join(', ')} (comma-separated, e.g. "prometheus,otlp")`);
    }
  }
  if (names.includes('none')) {
    if (names.length > 1) throw new ConfigError(setting, '"none" cannot be combined with other exporters');
    return [];
  }
  return [...new Set(names as Exclude<MetricsExporterName, 'none'>[])];
}

function resolvePush(options: PushOptions, otlp: boolean, env: Env): ResolvedPushConfig {
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

/** Milliseconds from the option, else the variable (when named), else the default; positive. */
function positiveMillis([option, given]: readonly [string, number | undefined], [variable, env]: readonly [string, Env], fallback: number): number {
  const raw = variable === '' ? undefined : nonEmpty(env[variable]);
  if (given === undefined && raw !== undefined && !/^\d+$/.test(raw)) {
    throw new ConfigError(variable, `"${raw}" is not a number of milliseconds; set a positive integer`);
  }
  const millis = given ?? (raw !== undefined ? Number(raw) : fallback);
  if (!Number.isFinite(millis) || millis <= 0) throw new ConfigError(given !== undefined ? option : variable, `${String(millis)} must be a positive number of milliseconds`);
  return millis;
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

function resolveCollectTimeout(options: StartOptions, env: Env): number {
  const raw = nonEmpty(env['PROMKIT_COLLECT_TIMEOUT_MS']);
  if (options.collectTimeoutMillis === undefined && raw !== undefined && !/^\d+$/.test(raw)) {
    throw new ConfigError('PROMKIT_COLLECT_TIMEOUT_MS', `"${raw}" is not a number of milliseconds; set a positive integer, e.g. 5000`);
  }
  const millis = options.collectTimeoutMillis ?? (raw !== undefined ? Number(raw) : DEFAULT_COLLECT_TIMEOUT_MILLIS);
  if (!Number.isFinite(millis) || millis <= 0) {
    throw new ConfigError('collectTimeoutMillis', `${String(millis)} must be a positive number of milliseconds, e.g. 5000`);
  }
  return millis;
}

/**
 * A token or `user:password` from options or the environment. Both at once is refused rather
 * than silently preferring one: a client configured for the other would be locked out.
 */
function resolveAuth(options: StartOptions, env: Env): EndpointAuth {
  // A variable that is set but blank is refused, never read as "no auth": an empty secret (an
  // unset CI secret, a stray `export X=`) must not silently open the endpoints.
  const token = options.authToken ?? env['PROMKIT_METRICS_TOKEN'];
  const basic = options.basicAuth ?? env['PROMKIT_METRICS_BASIC_AUTH'];
  if (token !== undefined && basic !== undefined) {
    throw new ConfigError('PROMKIT_METRICS_TOKEN', 'a bearer token and basic auth are both set; set only one of PROMKIT_METRICS_TOKEN and PROMKIT_METRICS_BASIC_AUTH');
  }
  if (token !== undefined) {
    if (token.trim() === '' || /\s/.test(token)) {
      throw new ConfigError('PROMKIT_METRICS_TOKEN', 'the token is blank or contains whitespace; set a non-empty token without spaces, or unset the variable to serve without auth');
    }
    return { kind: 'bearer', token };
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon < 1 || colon === basic.length - 1 || basic.slice(0, colon).trim() === '' || basic.slice(colon + 1).trim() === '') {
      throw new ConfigError('PROMKIT_METRICS_BASIC_AUTH', 'expected "user:password" with a non-empty user and password (or unset the variable to serve without auth)');
    }
    return { kind: 'basic', username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return { kind: 'none' };
}

function resolveHealth(options: HealthOptions, env: Env): ResolvedHealthConfig {
  const health = {
    windowSeconds: options.windowSeconds ?? parseNumber('PROMKIT_HEALTH_WINDOW_SECONDS', env) ?? DEFAULT_HEALTH.windowSeconds,
    minCalls: options.minCalls ?? parseNumber('PROMKIT_HEALTH_MIN_CALLS', env) ?? DEFAULT_HEALTH.minCalls,
    yellow: options.yellow ?? DEFAULT_HEALTH.yellow,
    red: options.red ?? DEFAULT_HEALTH.red,
  };
  // Errors name where the bad value came from: the option, or else the variable.
  const from = (option: keyof HealthOptions, variable: string) => (options[option] !== undefined ? `health.${option}` : variable);
  if (!Number.isFinite(health.windowSeconds) || health.windowSeconds <= 0) {
    throw new ConfigError(from('windowSeconds', 'PROMKIT_HEALTH_WINDOW_SECONDS'), `${String(health.windowSeconds)} must be a positive number of seconds, e.g. 300`);
  }
  if (!Number.isInteger(health.minCalls) || health.minCalls < 0) {
    throw new ConfigError(from('minCalls', 'PROMKIT_HEALTH_MIN_CALLS'), `${String(health.minCalls)} must be a whole number of calls, 0 or more, e.g. 20`);
  }
  if (!(health.yellow >= 0 && health.yellow <= health.red && health.red <= 1)) {
    throw new ConfigError('health', `thresholds yellow ${String(health.yellow)} and red ${String(health.red)} must satisfy 0 <= yellow <= red <= 1`);
  }
  return health;
}

/**
 * A source from the option, else the environment variable, else the first (default) one; a name
 * not in `sources` is refused, naming the option or variable it came from.
 */
function resolveSource<S extends string>(
  sources: readonly S[],
  [option, given]: readonly [string, string | undefined],
  [variable, env]: readonly [string, Env],
): S {
  const fromEnv = nonEmpty(env[variable]);
  const [setting, source] = given !== undefined ? [option, given] : [variable, fromEnv];
  if (source === undefined) return sources[0]!;
  if (!(sources as readonly string[]).includes(source)) {
    throw new ConfigError(setting, `"${source}" is not one of ${sources.map((s) => `"${s}"`).join(', ')}`);
  }
  return source as S;
}

function resolveRuntimeMetrics(option: boolean | string | undefined, raw: string | undefined): RuntimeMetricsSelection {
  if (option === true) return 'otel';
  if (option === false) return 'off';
  const fromEnv = option === undefined;
  const value = option ?? nonEmpty(raw)?.toLowerCase() ?? 'otel';
  if (!(RUNTIME_METRICS_SELECTIONS as readonly string[]).includes(value)) {
    const allowed = RUNTIME_METRICS_SELECTIONS.map((s) => `"${s}"`).join(', ');
    throw new ConfigError(fromEnv ? 'PROMKIT_RUNTIME_METRICS' : 'runtimeMetrics', `"${value}" is not one of ${allowed}`);
  }
  return value as RuntimeMetricsSelection;
}

/**
 * Whether the ESM loader hook (`import-in-the-middle`) must be registered before the app loads:
 * only OpenTelemetry instrumentations that patch modules need it (today `instrumentation-http`
 * as a source), and it costs a loader thread that parses every module, so the default
 * configuration does without it.
 */
export function needsLoaderHook(config: ResolvedConfig): boolean {
  if (config.disabled || !config.instrumentHttp) return false;
  return config.httpServerSource === 'instrumentation-http' || config.httpClientSource === 'instrumentation-http';
}

function checkInstrumentations(instrumentations: readonly Instrumentation[]): readonly Instrumentation[] {
  if (!Array.isArray(instrumentations)) throw new ConfigError('instrumentations', 'must be an array of instrumentation instances, e.g. [new PgInstrumentation()]');
  instrumentations.forEach((instrumentation: unknown, index) => {
    const candidate = instrumentation as Partial<Instrumentation> | null;
    if (typeof candidate?.setMeterProvider !== 'function' || typeof candidate.enable !== 'function' || typeof candidate.disable !== 'function') {
      throw new ConfigError('instrumentations', `item ${index} is not an OpenTelemetry instrumentation instance (pass e.g. new PgInstrumentation(), not the class)`);
    }
  });
  return instrumentations;
}

/** `pg,other`: comma-separated names from {@link NAMED_INSTRUMENTATIONS}; duplicates collapse. */
function resolveNativeHistograms(option: readonly string[] | undefined, raw: string | undefined): readonly string[] {
  const setting = option !== undefined ? 'nativeHistograms' : 'PROMKIT_NATIVE_HISTOGRAMS';
  const names = option ?? (nonEmpty(raw)?.split(',').map((name) => name.trim()).filter((name) => name !== '') ?? []);
  if (!Array.isArray(names)) throw new ConfigError(setting, 'must be an array of catalogue histogram names, e.g. ["http.server.request.duration"]');
  for (const name of names) {
    if (findDefinition(name)?.kind !== 'histogram') {
      throw new ConfigError(setting, `"${String(name)}" is not a catalogue histogram; name one such as "http.server.request.duration" (user histograms take native: true)`);
    }
  }
  return [...new Set(names)];
}

function parseInstrumentationNames(raw: string | undefined): readonly InstrumentationName[] {
  const value = nonEmpty(raw);
  if (value === undefined) return [];
  const names = new Set<InstrumentationName>();
  for (const part of value.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (!Object.hasOwn(NAMED_INSTRUMENTATIONS, name)) {
      const known = Object.keys(NAMED_INSTRUMENTATIONS).map((n) => `"${n}"`).join(', ');
      throw new ConfigError('PROMKIT_INSTRUMENTATIONS', `"${name}" is not a known instrumentation; use a comma-separated list of ${known}`);
    }
    names.add(name as InstrumentationName);
  }
  return [...names];
}


/** A number from the environment, or undefined when the variable is unset or empty. */
function parseNumber(name: string, env: Env): number | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new ConfigError(name, `"${value}" is not a number`);
  return parsed;
}

function parsePort(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_PORT;
  if (!/^\d+$/.test(value)) {
    throw new ConfigError('OTEL_EXPORTER_PROMETHEUS_PORT', `"${value}" is not a port number; set an integer from 0 to 65535 (0 picks a free port)`);
  }
  return Number(value);
}

/** The OTel spec: only a case-insensitive "true" enables a boolean; anything else but empty is warned about. */
function parseBoolean(name: string, raw: string | undefined): boolean {
  return parseBooleanOr(name, raw, false);
}

/** `true` or `false` (any case); `fallback` when unset or empty; anything else is a {@link ConfigError}. */
function parseBooleanOr(name: string, raw: string | undefined, fallback: boolean): boolean {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(name, `"${raw}" is not a boolean; set "true" or "false"`);
}

/** `key1=value1,key2=value2`, values percent-encoded (OTel resource SDK spec). */
function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  const value = nonEmpty(raw);
  if (value === undefined) return attributes;
  for (const pair of value.split(',')) {
    const index = pair.indexOf('=');
    const key = index > 0 ? pair.slice(0, index).trim() : '';
    if (!key) {
      throw new ConfigError('OTEL_RESOURCE_ATTRIBUTES', `"${pair}" is not key=value; use e.g. "service.version=1.2.3,deployment.environment.name=prod"`);
    }
    try {
      attributes[key] = decodeURIComponent(pair.slice(index + 1).trim());
    } catch {
      throw new ConfigError('OTEL_RESOURCE_ATTRIBUTES', `the value of "${key}" is not valid percent-encoding`);
    }
  }
  return attributes;
}
