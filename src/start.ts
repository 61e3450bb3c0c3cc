import { metrics as otelMetrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrumentFetch } from '../instrumentation/fetch.js';
import { instrumentHttp } from '../instrumentation/http.js';
import { instrumentHttpServer } from '../instrumentation/http-server.js';
import { createFacadeCore } from './facade/core.js';
import { createHttpFacade } from './facade/http.js';
import { resolveConfig, type StartOptions } from './config.js';
import { createEndpoints } from './exporter/endpoints.js';
import { METRICS_SNAPSHOT_SCHEMA, type MetricsSnapshot } from './exporter/json.js';
import { ScrapeServer } from './exporter/server.js';
import { bindDefaultMetrics } from './facade/metrics.js';
import { createMeterProvider } from './otel/provider.js';
import { createPrometheusReader } from './otel/reader.js';
import { createResource } from './otel/resource.js';
import { startRuntimeMetrics } from './runtime/metrics.js';
import { runtimeResourceAttributes } from './runtime/resource.js';

/** A running promkit: where it serves, and how to stop it. */
export interface PromkitHandle {
  /** False when `OTEL_SDK_DISABLED=true` (or `disabled: true`): nothing was started. */
  readonly enabled: boolean;
  /** The scrape URL actually bound, e.g. `http://localhost:9464/metrics`. */
  readonly url: string | undefined;
  /** The bound port (the real one when port 0 was asked for). */
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
  /** Stops the server and instrumentation, flushes and unregisters the meter provider. Idempotent. */
  shutdown(): Promise<void>;
}

export interface SnapshotOptions {
  /** Only these metrics, by exact OpenTelemetry or Prometheus name, as `?name=` on the endpoints; none or empty: all. */
  readonly names?: readonly string[];
}

/**
 * Starts the meter provider (with the catalogue's views) as the global one, the scrape server
 * and HTTP instrumentation. Throws a `ConfigError` for a bad option or environment value and a
 * `ScrapeServerError` when the port cannot be bound; on failure everything it started is undone.
 */
export async function start(options: StartOptions = {}): Promise<PromkitHandle> {
  const config = resolveConfig(options);
  if (config.disabled) return disabledHandle();

  const reader = createPrometheusReader(
    config.cardinalityLimit !== undefined ? { cardinalityLimit: config.cardinalityLimit } : {},
  );
  const meterProvider = createMeterProvider({
    readers: [reader],
    resource: createResource(config.runtimeMetrics ? { ...runtimeResourceAttributes(), ...config.resourceAttributes } : config.resourceAttributes),
    buckets: config.buckets,
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  const stops: Array<() => void> = [];
  const runtime = config.runtimeMetrics ? startRuntimeMetrics(meterProvider) : undefined;
  if (runtime !== undefined) stops.push(() => runtime.stop());
  const endpoints = createEndpoints({ reader, config, runtime, clock: options.health?.clock });
  const scrape = () => endpoints.scrapeText();
  const server = new ScrapeServer({
    host: config.host,
    port: config.port,
    endpoint: config.endpoint,
    auth: config.auth,
    collect: endpoints.collect,
    routes: endpoints.routes,
  });

  otelMetrics.setGlobalMeterProvider(meterProvider);
  bindDefaultMetrics(meterProvider, config.cardinalityLimit !== undefined ? { cardinalityLimit: config.cardinalityLimit } : {});
  const scrapePort = () => server.port;
  // Automatic HTTP metrics go through the same facade users call, so both write identical series.
  const http = createHttpFacade(
    createFacadeCore({
      meterProvider,
      meterName: 'promkit.http',
      ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    }),
    config.normalizeRoute !== undefined ? { normalizeRoute: config.normalizeRoute } : {},
  );
  if (config.instrumentHttp) {
    const serverFromChannel = config.httpServerSource === 'diagnostics_channel';
    stops.push(instrumentHttp({ meterProvider, scrapePort, incoming: !serverFromChannel }));
    if (serverFromChannel) {
      stops.push(instrumentHttpServer({ http, ignore: (request) => request.socket.localPort === scrapePort() }));
    }
  }
  if (config.instrumentFetch) stops.push(instrumentFetch((request) => http.recordClientRequest(request)));

  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      for (const stop of stops) stop();
      await server.close();
      await meterProvider.shutdown().catch(() => undefined);
      otelMetrics.disable();
    })());

  try {
    await server.listen();
  } catch (error) {
    await shutdown();
    throw error;
  }
  return {
    enabled: true,
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    meterProvider,
    scrape,
    snapshot: (snapshotOptions = {}) =>
      endpoints.snapshot(snapshotOptions.names?.length ? new Set(snapshotOptions.names) : undefined),
    shutdown,
  };
}

function disabledHandle(): PromkitHandle {
  return {
    enabled: false,
    url: undefined,
    port: undefined,
    meterProvider: undefined,
    scrape: async () => '',
    snapshot: async () => ({ schema: METRICS_SNAPSHOT_SCHEMA, timestamp: new Date().toISOString(), resource: {}, metrics: [] }),
    shutdown: async () => undefined,
  };
}
