import { ConfigError } from './errors.js';
import type { RouteNormalizer } from './facade/route.js';
import type { BucketOverrides } from './otel/views.js';

export const HTTP_SERVER_SOURCES = ['diagnostics_channel', 'instrumentation-http'] as const;
export type HttpServerSource = (typeof HTTP_SERVER_SOURCES)[number];

/**
 * Which names runtime metrics are exported under: the OpenTelemetry conventions (`otel`, the
 * default), prom-client's default metrics (`prom-client`: `process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, ...), both sets, or none (`off`).
 */
export const RUNTIME_METRICS_SELECTIONS = ['otel', 'prom-client', 'both', 'off'] as const;
export type RuntimeMetricsSelection = (typeof RUNTIME_METRICS_SELECTIONS)[number];

/** Options for {@link start}; every field falls back to the standard OTel environment variable, then a default. */
export interface StartOptions {
  /** Interface the scrape server binds. Env `OTEL_EXPORTER_PROMETHEUS_HOST`, default `localhost` (never all interfaces by accident). */
  readonly host?: string;
  /** Port of the scrape server; `0` picks a free one (read it back from the handle). Env `OTEL_EXPORTER_PROMETHEUS_PORT`, default 9464. */
  readonly port?: number;
  /** Path of the scrape endpoint, default `/metrics`. */
  readonly endpoint?: string;
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
  /** Per-metric bucket overrides for catalogue histograms. */
  readonly buckets?: BucketOverrides;
  /**
   * Record HTTP metrics automatically, default true: `node:http` client requests through
   * `@opentelemetry/instrumentation-http`, server requests from the source chosen by `httpServerSource`.
   */
  readonly instrumentHttp?: boolean;
  /**
   * Where automatic `http.server.*` metrics come from: Node's `diagnostics_channel` HTTP events
   * (default: cheaper, and records `http.route`) or `@opentelemetry/instrumentation-http`.
   */
  readonly httpServerSource?: HttpServerSource;
  /** Turns raw request paths into route templates for `http.route`; default `normalizeRoute`. */
  readonly normalizeRoute?: RouteNormalizer;
  /** Record `http.client.request.duration` for `fetch` (undici), default true. */
  readonly instrumentFetch?: boolean;
  /**
   * Record Node.js runtime metrics (CPU, memory, heap spaces, event-loop delay, GC, active
   * resources) and under which names: `'otel'` (same as `true`, the default), `'prom-client'`
   * (prom-client's default metric names, for existing dashboards), `'both'`, or `'off'` (same as
   * `false`). Env `PROMKIT_RUNTIME_METRICS`.
   */
  readonly runtimeMetrics?: boolean | RuntimeMetricsSelection;
  /**
   * A bearer token every endpoint (`/metrics`, `/metrics/json`, `/metrics/health`) requires. Env
   * `PROMKIT_METRICS_TOKEN`. Prefer the variable: a token in code ends up in the repository.
   */
  readonly authToken?: string;
  /** `user:password` for HTTP basic auth on every endpoint. Env `PROMKIT_METRICS_BASIC_AUTH`. Exclusive with a token. */
  readonly basicAuth?: string;
  /** The `/metrics/health` view: sliding window and error-ratio thresholds. */
  readonly health?: HealthOptions;
}

/** Options of the health view; thresholds are failure ratios from 0 to 1. */
export interface HealthOptions {
  /** Length of the sliding window in seconds, default 300 (5 minutes). */
  readonly windowSeconds?: number;
  /** A component is yellow from this failure ratio on, default 0.05 (5%). */
  readonly yellow?: number;
  /** A component is red above this failure ratio, default 0.1 (10%). */
  readonly red?: number;
  /** Seconds, monotonic; defaults to `performance.now() / 1000`. Tests pass a manual clock. */
  readonly clock?: { now(): number };
}

/** How the endpoints authenticate clients: not at all, a bearer token, or HTTP basic auth. */
export type EndpointAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface ResolvedHealthConfig {
  readonly windowSeconds: number;
  readonly yellow: number;
  readonly red: number;
}

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly disabled: boolean;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly unitSuffixes: boolean;
  readonly scopeLabels: boolean;
  readonly targetInfo: boolean;
  readonly cardinalityLimit: number | undefined;
  readonly buckets: BucketOverrides;
  readonly instrumentHttp: boolean;
  readonly httpServerSource: HttpServerSource;
  readonly normalizeRoute: RouteNormalizer | undefined;
  readonly instrumentFetch: boolean;
  readonly runtimeMetrics: RuntimeMetricsSelection;
  readonly auth: EndpointAuth;
  readonly health: ResolvedHealthConfig;
}

export const DEFAULT_HOST = 'localhost';
export const DEFAULT_PORT = 9464;
export const DEFAULT_ENDPOINT = '/metrics';
export const DEFAULT_HEALTH: ResolvedHealthConfig = Object.freeze({ windowSeconds: 300, yellow: 0.05, red: 0.1 });

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The one place promkit reads environment variables. Options win over the environment; a bad
 * value throws a {@link ConfigError} that names the setting and what to set instead.
 */
export function resolveConfig(options: StartOptions = {}, env: Env = process.env): ResolvedConfig {
  const port = options.port ?? parsePort(env['OTEL_EXPORTER_PROMETHEUS_PORT']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('port', `${String(port)} is not a port number; use an integer from 0 to 65535 (0 picks a free port)`);
  }
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  if (!endpoint.startsWith('/')) throw new ConfigError('endpoint', `"${endpoint}" must start with "/", e.g. "/metrics"`);
  const resourceAttributes: Record<string, string> = {
    ...parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']),
    ...options.resourceAttributes,
  };
  const serviceName = options.serviceName ?? nonEmpty(env['OTEL_SERVICE_NAME']);
  if (serviceName !== undefined) resourceAttributes['service.name'] = serviceName;
  return {
    host: options.host ?? nonEmpty(env['OTEL_EXPORTER_PROMETHEUS_HOST']) ?? DEFAULT_HOST,
    port,
    endpoint,
    disabled: options.disabled ?? parseBoolean('OTEL_SDK_DISABLED', env['OTEL_SDK_DISABLED']),
    resourceAttributes,
    unitSuffixes: options.unitSuffixes ?? true,
    scopeLabels: options.scopeLabels ?? false,
    targetInfo: options.targetInfo ?? true,
    cardinalityLimit: options.cardinalityLimit,
    buckets: options.buckets ?? {},
    instrumentHttp: options.instrumentHttp ?? true,
    httpServerSource: checkHttpServerSource(options.httpServerSource ?? 'diagnostics_channel'),
    normalizeRoute: options.normalizeRoute,
    instrumentFetch: options.instrumentFetch ?? true,
    runtimeMetrics: resolveRuntimeMetrics(options.runtimeMetrics, env['PROMKIT_RUNTIME_METRICS']),
    auth: resolveAuth(options, env),
    health: resolveHealth(options.health ?? {}),
  };
}

/**
 * A token or `user:password` from options or the environment. Both at once is refused rather
 * than silently preferring one: a client configured for the other would be locked out.
 */
function resolveAuth(options: StartOptions, env: Env): EndpointAuth {
  const token = options.authToken ?? nonEmpty(env['PROMKIT_METRICS_TOKEN']);
  const basic = options.basicAuth ?? nonEmpty(env['PROMKIT_METRICS_BASIC_AUTH']);
  if (token !== undefined && basic !== undefined) {
    throw new ConfigError('PROMKIT_METRICS_TOKEN', 'a bearer token and basic auth are both set; set only one of PROMKIT_METRICS_TOKEN and PROMKIT_METRICS_BASIC_AUTH');
  }
  if (token !== undefined) {
    if (token === '' || /\s/.test(token)) throw new ConfigError('PROMKIT_METRICS_TOKEN', 'the token must be non-empty and contain no whitespace');
    return { kind: 'bearer', token };
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon < 1 || colon === basic.length - 1) {
      throw new ConfigError('PROMKIT_METRICS_BASIC_AUTH', 'expected "user:password" with a non-empty user and password');
    }
    return { kind: 'basic', username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return { kind: 'none' };
}

function resolveHealth(options: HealthOptions): ResolvedHealthConfig {
  const health = {
    windowSeconds: options.windowSeconds ?? DEFAULT_HEALTH.windowSeconds,
    yellow: options.yellow ?? DEFAULT_HEALTH.yellow,
    red: options.red ?? DEFAULT_HEALTH.red,
  };
  if (!Number.isFinite(health.windowSeconds) || health.windowSeconds <= 0) {
    throw new ConfigError('health.windowSeconds', `${String(health.windowSeconds)} must be a positive number of seconds, e.g. 300`);
  }
  if (!(health.yellow >= 0 && health.yellow <= health.red && health.red <= 1)) {
    throw new ConfigError('health', `thresholds yellow ${String(health.yellow)} and red ${String(health.red)} must satisfy 0 <= yellow <= red <= 1`);
  }
  return health;
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

function checkHttpServerSource(source: string): HttpServerSource {
  if (!(HTTP_SERVER_SOURCES as readonly string[]).includes(source)) {
    throw new ConfigError('httpServerSource', `"${source}" is not one of ${HTTP_SERVER_SOURCES.map((s) => `"${s}"`).join(', ')}`);
  }
  return source as HttpServerSource;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
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
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
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
