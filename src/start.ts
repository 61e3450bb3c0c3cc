import { metrics as otelMetrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrumentFetch } from '../instrumentation/fetch.js';
import { instrumentHttp } from '../instrumentation/http.js';
import { instrumentHttpServer } from '../instrumentation/http-server.js';
import { createFacadeCore } from './facade/core.js';
import { createHttpFacade } from './facade/http.js';
import { resolveConfig, type StartOptions } from './config.js';
import { createEndpoints } from './exporter/endpoints.js';
import { ScrapeServer } from './exporter/server.js';
import { bindDefaultMetrics } from './facade/metrics.js';
import { createMeterProvider } from './otel/provider.js';
import { createPrometheusReader } from './otel/reader.js';
import { createResource } from './otel/resource.js';
import { bindPromClient } from './prom-client/bridge.js';
import { runtimeResourceAttributes } from './runtime/resource.js';
import { startRuntimeSets } from './runtime/select.js';

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
  /** Stops the server and instrumentation, flushes and unregisters the meter provider. Idempotent. */
  shutdown(): Promise<void>;
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
    resource: createResource(config.runtimeMetrics !== 'off' ? { ...runtimeResourceAttributes(), ...config.resourceAttributes } : config.resourceAttributes),
    buckets: config.buckets,
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
  const stops: Array<() => void> = [];
  // Always created: with 'off' it costs nothing until collectDefaultMetrics() adds prom-client's names.
  const runtime = startRuntimeSets(meterProvider, config.runtimeMetrics);
  stops.push(() => runtime.stop());
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
  stops.push(
    bindPromClient({
      meterProvider,
      scrape,
      collect: endpoints.collect,
      enableRuntimeNames: (names) => runtime.enablePromClientNames(names),
      ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    }),
  );
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
    shutdown: async () => undefined,
  };
}
