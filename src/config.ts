import { nonEmpty, parseBoolean, processEnv, resolveQuiet, type Env } from './env.js';
import { DEFAULT_HEALTH, type HealthOptions, type ResolvedHealthConfig } from './health/options.js';
import { resolve as resolveHealth } from './health/resolve.js';
import { RUNTIME_METRICS_SELECTIONS, type RuntimeMetricsSelection } from './runtime/select.js';
import type { ClusterAggregation } from './catalogue/types.js';
import { resolve as resolveCluster } from './cluster/resolve.js';
import { findDefinition } from './catalogue/index.js';
import { ConfigError } from './errors.js';
import type { Instrumentation } from '../instrumentation/otel-instrumentations.js';
import type { RouteNormalizer } from './facade/http/route.js';
import type { BucketOverrides } from './otel/views.js';
import { resolve as resolvePush, type PushOptions, type ResolvedPushConfig } from './push/resolve.js';
import type { EndpointAuth } from './server/auth.js';
import { DEFAULT_ENDPOINT, DEFAULT_HOST, DEFAULT_PORT, resolve as resolveServer } from './server/resolve.js';
import { DEFAULT_COLLECT_TIMEOUT_MILLIS } from './server/server.js';
import { resolveSendTimeout } from './server/send-timeout.js';

export type { EndpointAuth, HealthOptions, PushOptions, ResolvedHealthConfig, ResolvedPushConfig, RuntimeMetricsSelection };
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
 * The values `OTEL_METRICS_EXPORTER` may list: `prometheus` (the scrape endpoint), `otlp` (OTLP
 * push through the upstream exporter) and `none` (neither; remote write and the Pushgateway are
 * configured on their own).
 */
export const METRICS_EXPORTERS = ['prometheus', 'otlp', 'none'] as const;
export type MetricsExporterName = (typeof METRICS_EXPORTERS)[number];

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
   * their classic buckets stay in the exposition (a Prometheus with native histograms on keeps them
   * only with `scrape_classic_histograms`/`always_scrape_classic_histograms`). User histograms opt in
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
  /**
   * The longest the scrape port spends on one response, from the request's arrival to its last
   * byte; a client still reading then has its connection closed (one warning). A scraper that
   * sends a longer `X-Prometheus-Scrape-Timeout-Seconds` gets that, up to 5 minutes. The app's
   * own server (`metricsHandler`) is left to the app's timeouts. Env
   * `PROMKIT_SCRAPE_SEND_TIMEOUT_MS`, default 10000 (Prometheus's default `scrape_timeout`).
   */
  readonly sendTimeoutMillis?: number;
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
  /**
   * On SIGTERM or SIGINT, and on an uncaught exception, flush every push output (remote write,
   * OTLP, Pushgateway) once, within 10 s, then let the process end as it would without promkit:
   * with no listener of the app's own the signal is raised again (or the exception thrown again);
   * with one, the app's handler decides. Default true; nothing is installed without push outputs.
   */
  readonly flushOnSignal?: boolean;
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
  readonly sendTimeoutMillis: number;
  readonly quiet: boolean;
  readonly cluster: boolean;
  readonly clusterAggregation: Readonly<Record<string, ClusterAggregation>>;
  readonly flushOnSignal: boolean;
  /** Without `none`; empty when `none` was chosen. */
  readonly metricsExporters: readonly Exclude<MetricsExporterName, 'none'>[];
  readonly push: ResolvedPushConfig;
}

export { DEFAULT_ENDPOINT, DEFAULT_HOST, DEFAULT_PORT };

/**
 * `start()`'s options resolved over the environment (read once, in env.ts, and passed in): each
 * component resolves the options it owns (`push/resolve.ts`, `server/resolve.ts`,
 * `health/resolve.ts`, `cluster/resolve.ts`) and the rest is resolved here. Options win over the
 * environment; a bad value throws a {@link ConfigError} that names the setting and what to set
 * instead.
 */
export function resolveConfig(options: StartOptions = {}, env: Env = processEnv()): ResolvedConfig {
  if (options.cardinalityLimit !== undefined && (!Number.isInteger(options.cardinalityLimit) || options.cardinalityLimit < 1)) {
    throw new ConfigError('cardinalityLimit', `${String(options.cardinalityLimit)} is not a number of series; use an integer of 1 or more (default 2000)`);
  }
  const server = resolveServer(options, env);
  const resourceAttributes: Record<string, string> = {
    ...parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']),
    ...options.resourceAttributes,
  };
  const serviceName = options.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']);
  if (serviceName !== undefined) resourceAttributes['service.name'] = serviceName;
  const metricsExporters = resolveMetricsExporters(options.metricsExporters, env['OTEL_METRICS_EXPORTER']);
  return {
    ...server,
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
    health: resolveHealth(options.health ?? {}, env),
    sendTimeoutMillis: resolveSendTimeout(options, env),
    quiet: options.quiet ?? resolveQuiet(env),
    ...resolveCluster(options, env),
    flushOnSignal: options.flushOnSignal ?? true,
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

/** `OTEL_METRICS_EXPORTER` (or the option): a comma-separated list of {@link METRICS_EXPORTERS}; `none` alone means none. */
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

/**
 * Which names runtime metrics are exported under: the OpenTelemetry conventions (`otel`, the
 * default, or `true`), prom-client's default metrics (`prom-client`: `process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, ...), both sets, or none (`off`, or `false`).
 */
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

/** `PROMKIT_NATIVE_HISTOGRAMS` (or the option): catalogue histogram names, comma-separated; duplicates collapse. */
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

/** `PROMKIT_INSTRUMENTATIONS`: `pg,other`, names from {@link NAMED_INSTRUMENTATIONS}; duplicates collapse. */
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
