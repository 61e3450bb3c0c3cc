import { metrics as otelMetrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { clusterRole } from './cluster/index.js';
import { resolveConfig, type ResolvedConfig, type StartOptions } from './config.js';
import { processEnv } from './env.js';
import { ConfigError } from './errors.js';
import { configureDefaultMetrics } from './facade/metrics.js';
import { METRICS_SNAPSHOT_SCHEMA, type MetricsSnapshot } from './exposition/json.js';
import { processInstanceId } from './otel/resource.js';
import { describePlan, detectPm2, makePlan, type Plan } from './plan.js';
import { createMetricsHandler, setRunningScrapeHandler, type MetricsHandler, type MetricsHandlerOptions } from './server/app-handler.js';
import { bindGlobals, instrument } from './start/instrumentation.js';
import { buildPushes } from './start/pushes.js';
import { buildServing } from './start/serving.js';
import { StopStack } from './start/stop-stack.js';
import { buildTelemetry } from './start/telemetry.js';
import { setQuiet, warn } from './warnings.js';

/** A running promkit: where it serves, and how to stop it. */
export interface PromkitHandle {
  /** False when `OTEL_SDK_DISABLED=true` (or `disabled: true`): nothing was started. */
  readonly enabled: boolean;
  /** In cluster mode, which side this process is: the primary serves, a worker answers it. */
  readonly clusterRole?: 'primary' | 'worker' | undefined;
  /**
   * What this process runs: its role, scrape port, push outputs and identity, decided once at
   * start (a cluster worker pushes nothing: its primary pushes the merged collection). Undefined
   * when disabled.
   */
  readonly plan?: Plan | undefined;
  /** The plan as the one start-up line the preload prints (without the `promkit: ` prefix). */
  readonly planLine?: string | undefined;
  /** The scrape URL actually bound, e.g. `http://localhost:9464/metrics`; undefined with `scrapeServer: false` in a cluster worker (its primary serves) and when `prometheus` is not among the exporters. */
  readonly url: string | undefined;
  /** The bound port (the real one when port 0 was asked for); undefined with `scrapeServer: false`. */
  readonly port: number | undefined;
  readonly meterProvider: MeterProvider | undefined;
  /** The scrape body as the endpoint would serve it, without HTTP. */
  scrape(): Promise<string>;
  /**
   * What `/metrics/json` serves, without HTTP: a fresh collection as typed data, for apps that
   * log it or expose it themselves. Like every collection it also feeds the health window.
   * Disabled: an empty snapshot.
   */
  snapshot(options?: SnapshotOptions): Promise<MetricsSnapshot>;
  /**
   * The endpoints on the app's own server: a `node:http` handler (also Express middleware) that
   * answers `/metrics`, `/metrics/json` and `/metrics/health` from the same collections, with the
   * same authentication and gzip, as the scrape port, and hands other requests on. Its requests
   * are not counted as app traffic. After shutdown (or disabled) it answers nothing.
   */
  metricsHandler(options?: MetricsHandlerOptions): MetricsHandler;
  /**
   * Pushes a fresh collection to the configured remote-write store and Pushgateway now (a batch
   * job calls it before it exits); resolves when remote write has queued it and the Pushgateway
   * answered or timed out. Never rejects; without push destinations it does nothing.
   */
  push(): Promise<void>;
  /**
   * Pushes one last time (remote write, Pushgateway), stops the server and instrumentation,
   * flushes and unregisters the meter provider. Idempotent.
   */
  shutdown(): Promise<void>;
}

/** The promkit this process runs (one global provider, one endpoint), until its shutdown has finished. */
interface Running {
  readonly config: ResolvedConfig;
  readonly handle: Promise<PromkitHandle>;
  stopping?: Promise<void>;
}
let running: Running | undefined;

export interface SnapshotOptions {
  /** Only these metrics, by exact OpenTelemetry or Prometheus name, as `?name=` on the endpoints; none or empty: all. */
  readonly names?: readonly string[];
}

/**
 * Starts the meter provider (with the catalogue's views) as the global one, the scrape server
 * (unless `scrapeServer: false`), HTTP instrumentation and the OpenTelemetry `instrumentations`
 * given (or named in `PROMKIT_INSTRUMENTATIONS`), and the push outputs configured. What runs
 * follows one plan made from the process's situation (`handle.plan`, see plan.ts): a `node:cluster`
 * worker serves and pushes nothing (its primary does both over the merged collection), a PM2
 * cluster-mode instance serves the port plus its instance number. With push outputs it flushes
 * them on SIGTERM/SIGINT and an uncaught exception (`flushOnSignal`). Throws a `ConfigError` for
 * a bad option or environment value or a combination that cannot be served, and a
 * `ScrapeServerError` when the port cannot be bound; on failure everything it started is undone.
 *
 * One promkit runs per process: calling `start()` again while one runs (say, the preload's and
 * the app's own) returns the running handle when the resolved configuration is the same
 * (deep-equal; functions such as `normalizeRoute` by identity), and throws a `ConfigError` when
 * it differs. After `shutdown()` has finished, `start()` starts afresh.
 */
export async function start(options: StartOptions = {}): Promise<PromkitHandle> {
  const env = processEnv();
  const config = resolveConfig(options, env);
  while (running?.stopping !== undefined) await running.stopping;
  if (running !== undefined) {
    if (!isDeepStrictEqual(running.config, config)) {
      throw new ConfigError('start', 'promkit is already running with other options; pass the same options, or call shutdown() on the running handle first');
    }
    return running.handle;
  }
  if (config.disabled) return disabledHandle();
  // Refused combinations throw here, before anything starts.
  const plan = makePlan(
    {
      cluster: config.cluster,
      host: config.host,
      port: config.port,
      scrapeServer: config.scrapeServer,
      metricsExporters: config.metricsExporters,
      remoteWrite: config.push.remoteWrite !== undefined,
      pushgateway: config.push.pushgateway !== undefined,
      otlp: config.push.otlp !== undefined,
      resourceAttributes: config.resourceAttributes,
    },
    { isClusterPrimary: () => clusterRole() === 'primary', pm2: detectPm2(env) },
  );
  const current: Running = { config, handle: launch(config, plan, options, () => current) };
  running = current;
  // A failed start leaves nothing running.
  current.handle.catch(() => {
    if (running === current) running = undefined;
  });
  return current.handle;
}

/** Builds the plan's parts in order, each pushing its stop; `shutdown()` unwinds them in reverse. */
async function launch(config: ResolvedConfig, plan: Plan, options: StartOptions, self: () => Running): Promise<PromkitHandle> {
  setQuiet(config.quiet);
  const stack = new StopStack();
  // Unwound last: every other part has stopped by then.
  stack.push(() => {
    otelMetrics.disable();
    // The default facade stops recording into cells nobody reports, as on a fresh process.
    configureDefaultMetrics(otelMetrics.getMeterProvider());
    setQuiet(undefined);
  });
  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    if (stopped !== undefined) return stopped;
    const entry = self();
    stopped = stack.unwind().finally(() => {
      // Only now may another start() begin: it would otherwise lose its provider to the disable() above.
      if (running === entry) running = undefined;
    });
    entry.stopping = stopped;
    return stopped;
  };

  // Loaded only when chosen: instrumentation-http and its dependencies cost start-up time and memory.
  const otelHttp = config.instrumentHttp && usesInstrumentationHttp(config) ? await loadInstrumentationHttp(config) : undefined;
  const telemetry = await buildTelemetry(config, plan, stack);
  const serving = buildServing(config, plan, telemetry, options.health?.clock, stack);
  bindGlobals(config, telemetry, serving, stack);
  instrument(config, telemetry, serving, otelHttp, stack);
  const { server, requests } = serving;
  try {
    await server?.listen();
  } catch (error) {
    await shutdown();
    throw error;
  }
  setRunningScrapeHandler(requests);
  stack.push(() => setRunningScrapeHandler(undefined));
  const pushes = await buildPushes(config, plan, telemetry, serving, shutdown, stack);
  if (server !== undefined && config.auth.kind === 'none' && server.port !== undefined && !isLoopback(server.address)) {
    warn(
      `serving metrics on ${server.address ?? config.host} without authentication: anyone who can reach port ${server.port} can read them; ` +
        'set PROMKIT_METRICS_TOKEN (or PROMKIT_METRICS_BASIC_AUTH), or bind 127.0.0.1',
    );
  }
  return {
    enabled: true,
    clusterRole: serving.role,
    plan,
    planLine: describePlan(plan, server?.url, plan.identity.instanceId ?? processInstanceId()),
    get url() {
      return server?.url;
    },
    get port() {
      return server?.port;
    },
    meterProvider: telemetry.meterProvider,
    scrape: serving.scrape,
    push: () => pushes.push(),
    snapshot: (snapshotOptions = {}) =>
      serving.endpoints.snapshot(snapshotOptions.names?.length ? new Set(snapshotOptions.names) : undefined),
    metricsHandler: (handlerOptions) => createMetricsHandler(() => (stopped === undefined ? requests : undefined), handlerOptions),
    shutdown,
  };
}

/** The optional peer dependencies `instrumentation-http` as a source needs; a missing one is a ConfigError saying what to install. */
async function loadInstrumentationHttp(config: ResolvedConfig): Promise<typeof import('../instrumentation/http.js')> {
  try {
    return await import('../instrumentation/http.js');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      config.httpServerSource === 'instrumentation-http' ? 'httpServerSource' : 'httpClientSource',
      '"instrumentation-http" needs its packages installed beside promkit: npm install @opentelemetry/instrumentation-http @opentelemetry/instrumentation',
    );
  }
}

function usesInstrumentationHttp(config: ResolvedConfig): boolean {
  return config.httpServerSource === 'instrumentation-http' || config.httpClientSource === 'instrumentation-http';
}

function disabledHandle(): PromkitHandle {
  return {
    enabled: false,
    url: undefined,
    port: undefined,
    meterProvider: undefined,
    scrape: async () => '',
    push: async () => undefined,
    snapshot: async () => ({ schema: METRICS_SNAPSHOT_SCHEMA, timestamp: new Date().toISOString(), resource: {}, metrics: [] }),
    metricsHandler: (handlerOptions) => createMetricsHandler(() => undefined, handlerOptions),
    shutdown: async () => undefined,
  };
}

/**
 * Whether the bound address only accepts connections from this machine: IPv4 127/8, IPv6 `::1`,
 * or IPv4-mapped 127/8. The wildcard (`0.0.0.0`, `::`) and every other address are reachable
 * from elsewhere.
 */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (isIP(address) === 4) return address.startsWith('127.');
  const lower = address.toLowerCase();
  return lower === '::1' || lower.startsWith('::ffff:127.');
}
