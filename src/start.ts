import { metrics as otelMetrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { instrumentFastify } from '../instrumentation/fastify.js';
import { instrumentFetch } from '../instrumentation/fetch.js';
import { instrumentHttpClient } from '../instrumentation/http-client.js';
import { instrumentHttpServer } from '../instrumentation/http-server.js';
import { enableOnMeterProvider, loadNamedInstrumentations } from '../instrumentation/otel-instrumentations.js';
import { clusterRole, startClusterPrimary, startClusterWorker } from './cluster/index.js';
import { NAMED_INSTRUMENTATIONS, resolveConfig, type ResolvedConfig, type StartOptions } from './config.js';
import { ConfigError } from './errors.js';
import { createEndpoints } from './server/endpoints.js';
import { METRICS_SNAPSHOT_SCHEMA, type MetricsSnapshot } from './exposition/json.js';
import { ScrapeHandler, ScrapeServer } from './server/server.js';
import { createMetricsHandler, setRunningScrapeHandler, type MetricsHandler, type MetricsHandlerOptions } from './server/app-handler.js';
import { configureDefaultMetrics, metrics } from './facade/metrics.js';
import { CellProducer } from './record/producer.js';
import { createMeterProvider, globalMeterProviderRegistered, OTHER_PROVIDER_NOTICE } from './otel/provider.js';
import { createPrometheusReader } from './otel/reader.js';
import { nativeClassicBoundaries } from './otel/views.js';
import { EXEMPLARS } from './record/exemplars.js';
import { createResource } from './otel/resource.js';
import { DEFAULT_CARDINALITY_LIMIT } from './limits.js';
import { createOtlpReader } from './push/otlp.js';
import { createPushers, type Pushers } from './push/pushers.js';
import { catalogueBoundaries } from './otel/views.js';
import { bindPromClient } from './prom-client/bridge.js';
import { runtimeResourceAttributes } from './runtime/resource.js';
import { setQuiet, warn } from './warnings.js';
import { startRuntimeSets } from './runtime/select.js';

/** A running promkit: where it serves, and how to stop it. */
export interface PromkitHandle {
  /** False when `OTEL_SDK_DISABLED=true` (or `disabled: true`): nothing was started. */
  readonly enabled: boolean;
  /** In cluster mode, which side this process is: the primary serves, a worker answers it. */
  readonly clusterRole?: 'primary' | 'worker' | undefined;
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
 * given (or named in `PROMKIT_INSTRUMENTATIONS`). Throws a `ConfigError` for a bad option or environment value and a
 * `ScrapeServerError` when the port cannot be bound; on failure everything it started is undone.
 *
 * One promkit runs per process: calling `start()` again while one runs (say, the preload's and
 * the app's own) returns the running handle when the resolved configuration is the same
 * (deep-equal; functions such as `normalizeRoute` by identity), and throws a `ConfigError` when
 * it differs. After `shutdown()` has finished, `start()` starts afresh.
 */
export async function start(options: StartOptions = {}): Promise<PromkitHandle> {
  const config = resolveConfig(options);
  while (running?.stopping !== undefined) await running.stopping;
  if (running !== undefined) {
    if (!isDeepStrictEqual(running.config, config)) {
      throw new ConfigError('start', 'promkit is already running with other options; pass the same options, or call shutdown() on the running handle first');
    }
    return running.handle;
  }
  if (config.disabled) return disabledHandle();
  const current: Running = { config, handle: launch(config, options, () => current) };
  running = current;
  // A failed start leaves nothing running.
  current.handle.catch(() => {
    if (running === current) running = undefined;
  });
  return current.handle;
}

async function launch(config: ResolvedConfig, options: StartOptions, self: () => Running): Promise<PromkitHandle> {
  setQuiet(config.quiet);
  // Loaded only when chosen: instrumentation-http and its dependencies cost start-up time and memory.
  const otelHttp = config.instrumentHttp && usesInstrumentationHttp(config) ? await loadInstrumentationHttp(config) : undefined;

  // Bound histograms and the HTTP server metrics are cells of the default facade, reported through this producer.
  const producer = new CellProducer(config.seriesTtl === undefined ? {} : { seriesTtl: config.seriesTtl });
  // Loaded only when chosen: the exporter is an optional peer dependency.
  const otlpReader =
    config.push.otlp === undefined
      ? undefined
      : await createOtlpReader(config.push.otlp, {
          cardinalityLimit: config.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT,
          metricProducers: [producer],
          warn: (message) => process.stderr.write(`promkit: ${message}\n`),
        });
  const resource = createResource(config.runtimeMetrics !== 'off' ? { ...runtimeResourceAttributes(), ...config.resourceAttributes } : config.resourceAttributes);
  const reader = createPrometheusReader({
    metricProducers: [producer],
    onCardinalityLimit: (metric, detail) => metrics.dropMeasurement(metric, 'cardinality_limit', detail),
    ...(config.seriesTtl !== undefined && { seriesTtl: config.seriesTtl }),
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  const meterProvider = createMeterProvider({
    readers: otlpReader === undefined ? [reader] : [reader, otlpReader],
    resource,
    buckets: config.buckets,
    nativeHistograms: config.nativeHistograms,
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  const nativeHistograms = nativeClassicBoundaries(config.nativeHistograms, config.buckets);
  const stops: Array<() => void> = [];
  // Always created: with 'off' it costs nothing until collectDefaultMetrics() adds prom-client's names.
  const runtime = startRuntimeSets(meterProvider, config.runtimeMetrics);
  stops.push(() => runtime.stop());
  // Cluster mode: the primary serves everyone's metrics; a worker serves none and answers the primary.
  const role = config.cluster ? clusterRole() : undefined;
  const primary = role === 'primary' ? startClusterPrimary({ meterProvider, aggregation: config.clusterAggregation }) : undefined;
  if (primary !== undefined) stops.push(() => primary.stop());
  // Points left out of a scrape for a name collision are counted with the facade's other drops.
  const endpoints = createEndpoints({
    reader,
    config,
    runtime,
    clock: options.health?.clock,
    onDrop: metrics.dropMeasurement,
    exemplars: EXEMPLARS,
    gather: primary !== undefined ? (collectOwn, timeoutMillis) => primary.collect(collectOwn, timeoutMillis) : undefined,
  });
  const worker = role === 'worker' ? startClusterWorker({ collect: endpoints.collect, finalTimeoutMillis: config.collectTimeoutMillis }) : undefined;
  const scrape = () => endpoints.scrapeText();
  // One handler for the scrape port and the app's own server: they share collections.
  const requests = new ScrapeHandler({
    endpoint: config.endpoint,
    auth: config.auth,
    collectTimeoutMillis: config.collectTimeoutMillis,
    collect: endpoints.collect,
    routes: endpoints.routes,
  });
  // No port without the `prometheus` exporter, with `scrapeServer: false`, or in a cluster worker (its primary serves).
  const serves = config.scrapeServer && worker === undefined && config.metricsExporters.includes('prometheus');
  const server = serves ? new ScrapeServer({ host: config.host, port: config.port, handler: requests }) : undefined;

  // setGlobalMeterProvider refuses a second provider: promkit's endpoint would then miss every OpenTelemetry instrumentation.
  if (globalMeterProviderRegistered()) warn(OTHER_PROVIDER_NOTICE);
  otelMetrics.setGlobalMeterProvider(meterProvider);
  // One facade for users and the automatic instrumentation alike: same cells, same route normaliser.
  configureDefaultMetrics(meterProvider, {
    producer,
    nativeHistograms,
    buckets: catalogueBoundaries(config.buckets),
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    ...(config.normalizeRoute !== undefined && { normalizeRoute: config.normalizeRoute }),
  });
  stops.push(
    bindPromClient({
      meterProvider,
      scrape,
      collect: endpoints.collect,
      enableRuntimeNames: (names) => runtime.enablePromClientNames(names),
      ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    }),
  );
  const scrapePort = () => server?.port;
  // One facade for users and the automatic instrumentation alike: same cells, same route normaliser.
  const http = metrics.http;
  if (config.instrumentHttp) {
    if (config.httpServerSource === 'diagnostics_channel') {
      stops.push(instrumentHttpServer({ http, ignore: (request) => request.socket.localPort === scrapePort() }));
      stops.push(instrumentFastify());
    }
    if (config.httpClientSource === 'diagnostics_channel') {
      stops.push(instrumentHttpClient((request) => http.recordClientRequest(request)));
    }
    if (otelHttp !== undefined) {
      stops.push(
        otelHttp.instrumentHttp({
          meterProvider,
          scrapePort,
          incoming: config.httpServerSource === 'instrumentation-http',
          outgoing: config.httpClientSource === 'instrumentation-http',
        }),
      );
    }
  }
  if (config.instrumentFetch) stops.push(instrumentFetch((request) => http.recordClientRequest(request)));
  const named = loadNamedInstrumentations(
    config.namedInstrumentations.map((name) => ({ name, ...NAMED_INSTRUMENTATIONS[name] })),
    // Named in the environment, so looked up where the app runs; a missing one is one line, not a failed start.
    { from: process.cwd(), warn: (message) => process.stderr.write(`promkit: ${message}\n`) },
  );
  stops.push(enableOnMeterProvider([...config.instrumentations, ...named], meterProvider));
  // Created once the start has succeeded: a failed start must not push (nor wait for a store).
  let pushers: Pushers | undefined;

  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    if (stopped !== undefined) return stopped;
    const entry = self();
    stopped = (async () => {
      try {
        // Before anything stops: the primary keeps these totals for good.
        await worker?.stop();
        // Before anything stops: the last push carries the final totals.
        await pushers?.shutdown();
        for (const stop of stops) stop();
        setRunningScrapeHandler(undefined);
        await server?.close();
        await meterProvider.shutdown().catch(() => undefined);
        otelMetrics.disable();
        // The default facade stops recording into cells nobody reports, as on a fresh process.
        configureDefaultMetrics(otelMetrics.getMeterProvider());
        setQuiet(undefined);
      } finally {
        // Only now may another start() begin: it would otherwise lose its provider to the disable() above.
        if (running === entry) running = undefined;
      }
    })();
    entry.stopping = stopped;
    return stopped;
  };

  try {
    await server?.listen();
  } catch (error) {
    await shutdown();
    throw error;
  }
  setRunningScrapeHandler(requests);
  pushers = createPushers({
    config: config.push,
    resource,
    meter: meterProvider.getMeter('promkit.push'),
    collect: () => endpoints.collect(),
    scrape,
    series: { unitSuffixes: config.unitSuffixes, scopeLabels: config.scopeLabels, targetInfo: config.targetInfo, onDrop: metrics.dropMeasurement },
  });
  const startedPushers = pushers;
  if (server !== undefined && config.auth.kind === 'none' && server.port !== undefined && !isLoopback(server.address)) {
    warn(
      `serving metrics on ${server.address ?? config.host} without authentication: anyone who can reach port ${server.port} can read them; ` +
        'set PROMKIT_METRICS_TOKEN (or PROMKIT_METRICS_BASIC_AUTH), or bind 127.0.0.1',
    );
  }
  return {
    enabled: true,
    clusterRole: role,
    get url() {
      return server?.url;
    },
    get port() {
      return server?.port;
    },
    meterProvider,
    scrape,
    push: () => startedPushers.push(),
    snapshot: (snapshotOptions = {}) =>
      endpoints.snapshot(snapshotOptions.names?.length ? new Set(snapshotOptions.names) : undefined),
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
