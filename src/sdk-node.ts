/**
 * promkit inside an OpenTelemetry Node SDK the app already starts (`@opentelemetry/sdk-node`,
 * often through `auto-instrumentations-node/register`), instead of a second meter provider:
 *
 * ```ts
 * new NodeSDK({ views: promkitViews(), metricReaders: [promkitReader()] }).start();
 * ```
 *
 * The views give the SDK's provider the catalogue's buckets, label allow-lists and cardinality
 * limits, and native histograms; the reader is what promkit's scrape endpoint collects from.
 * Once the SDK has given the reader its provider, the reader starts the endpoint, moves
 * promkit's default facade (`metrics`) onto that provider as the SDK registers it (so records
 * made right after `sdk.start()` count) and starts the runtime metrics (`runtimeMetrics`, as
 * for `start()`; pass `false` when the app already runs `instrumentation-runtime-node`).
 * The scrape port's requests are not app traffic: an `instrumentation-http` of the SDK does not
 * see them. Part of the composition root: it wires the server and the facade, as `start()` does.
 */
import { diag, metrics as otelMetrics, type MeterProvider } from '@opentelemetry/api';
import type { MetricProducer, ResourceMetrics, ViewOptions } from '@opentelemetry/sdk-metrics';
import { resolveConfig, type ResolvedConfig, type StartOptions } from './config.js';
import { EXEMPLARS } from './record/exemplars.js';
import { configureDefaultMetrics, metrics } from './facade/metrics.js';
import { CellProducer } from './record/producer.js';
import { globalMeterProviderRegistered } from './otel/provider.js';
import { PrometheusReader } from './otel/reader.js';
import { catalogueBoundaries, catalogueViews, nativeClassicBoundaries } from './otel/views.js';
import { createEndpoints } from './server/endpoints.js';
import { ScrapeServer } from './server/server.js';
import { startRuntimeSets, type RuntimeSets } from './runtime/select.js';
import { OTEL_API_GLOBAL, setQuiet, warn } from './warnings.js';

/** What shapes the views: pass the same values to {@link promkitReader}. */
export type PromkitViewsOptions = Pick<StartOptions, 'cardinalityLimit' | 'buckets' | 'nativeHistograms'>;

/** The scrape endpoint's settings, as for `start()`; the provider, resource and instrumentation are the SDK's. */
export type PromkitReaderOptions = Pick<
  StartOptions,
  | 'host'
  | 'port'
  | 'endpoint'
  | 'unitSuffixes'
  | 'scopeLabels'
  | 'targetInfo'
  | 'cardinalityLimit'
  | 'buckets'
  | 'nativeHistograms'
  | 'authToken'
  | 'basicAuth'
  | 'health'
  | 'collectTimeoutMillis'
  | 'quiet'
  | 'runtimeMetrics'
>;

/** promkit's views for another SDK's MeterProvider (`NodeSDK({ views })`). Throws on a bad option. */
export function promkitViews(options: PromkitViewsOptions = {}): ViewOptions[] {
  const config = resolveConfig(options);
  return catalogueViews({
    buckets: config.buckets,
    nativeHistograms: config.nativeHistograms,
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
  });
}

/**
 * A metric reader that serves promkit's endpoints (`/metrics`, `/metrics/json`, `/metrics/health`)
 * from the provider it is given. The server starts when the SDK builds its provider; {@link ready}
 * settles when it listens (or failed to: the failure is warned, never thrown at the app).
 */
export class PromkitReader extends PrometheusReader {
  readonly #config: ResolvedConfig;
  /** Bound histograms and the HTTP server metrics of the default facade, reported through this reader. */
  readonly #producer: CellProducer;
  #server: ScrapeServer<ResourceMetrics> | undefined;
  #runtime: RuntimeSets | undefined;
  #ready: Promise<void> = Promise.resolve();

  constructor(options: PromkitReaderOptions = {}) {
    const config = resolveConfig(options);
    const producer = new CellProducer(config.seriesTtl === undefined ? {} : { seriesTtl: config.seriesTtl });
    super({
      metricProducers: [producer],
      onCardinalityLimit: (metric, detail) => metrics.dropMeasurement(metric, 'cardinality_limit', detail),
      ...(config.seriesTtl !== undefined && { seriesTtl: config.seriesTtl }),
      ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    });
    this.#config = config;
    this.#producer = producer;
    // Push outputs are start()'s: here the SDK owns the provider, and its own readers export.
    const unused = [config.push.remoteWrite && 'PROMKIT_REMOTE_WRITE_URL', config.push.pushgateway && 'PROMKIT_PUSHGATEWAY_URL'].filter(Boolean);
    if (unused.length > 0) {
      warn(
        `promkitReader() serves the scrape endpoint only: ${unused.join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not used beside the NodeSDK; ` +
          "push with start() instead, or add the SDK's own OTLP reader",
      );
    }
  }

  /** Called by the MeterProvider that takes this reader: starts the endpoint and binds the facade. */
  override setMetricProducer(metricProducer: MetricProducer): void {
    super.setMetricProducer(metricProducer);
    const config = this.#config;
    setQuiet(config.quiet);
    const endpoints = createEndpoints({ reader: this, config, onDrop: metrics.dropMeasurement, exemplars: EXEMPLARS });
    const server = new ScrapeServer({
      host: config.host,
      port: config.port,
      endpoint: config.endpoint,
      auth: config.auth,
      collectTimeoutMillis: config.collectTimeoutMillis,
      collect: endpoints.collect,
      routes: endpoints.routes,
    });
    this.#server = server;
    this.#ready = server.listen().then(
      () => {
        if (!config.quiet) diag.info(`promkit: serving metrics at ${server.url}`);
      },
      (error: unknown) => warn(`metrics endpoint not started: ${error instanceof Error ? error.message : String(error)}`),
    );
    const nativeHistograms = nativeClassicBoundaries(config.nativeHistograms, config.buckets);
    let bound = false;
    const bind = (provider: MeterProvider) => {
      if (bound) return;
      bound = true;
      configureDefaultMetrics(provider, {
        producer: this.#producer,
        buckets: catalogueBoundaries(config.buckets),
        nativeHistograms,
        ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
        ...(config.normalizeRoute !== undefined && { normalizeRoute: config.normalizeRoute }),
      });
      this.#runtime = startRuntimeSets(provider, config.runtimeMetrics);
    };
    // The SDK builds its provider (which calls this) and registers it as the global one right
    // after, in the same call of `sdk.start()`. Binding then, not a tick later, keeps the records
    // the app makes right after `sdk.start()` returns. The API keeps its globals on one object
    // shared by every copy of the API (ESM and CommonJS alike); the SDK has put its context
    // manager there already, so a setter for `metrics` sees the registration as it happens.
    const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[OTEL_API_GLOBAL];
    const watch = api !== undefined && !Object.hasOwn(api, 'metrics');
    const settle = (provider?: unknown) => {
      if (api === undefined || !watch || !('get' in (Object.getOwnPropertyDescriptor(api, 'metrics') ?? {}))) return;
      delete api['metrics'];
      if (provider !== undefined) api['metrics'] = provider;
    };
    if (watch) {
      Object.defineProperty(api, 'metrics', {
        configurable: true,
        enumerable: true,
        get: () => undefined,
        set: (provider: MeterProvider) => {
          settle(provider);
          bind(provider);
        },
      });
    }
    // A provider registered otherwise (the globals not there yet) is bound a tick later.
    setImmediate(() => {
      settle();
      if (globalMeterProviderRegistered()) bind(otelMetrics.getMeterProvider());
    });
  }

  /** Settles once the endpoint listens (or failed to start, which is warned). */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** The scrape URL actually bound, once {@link ready}. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  override async onShutdown(): Promise<void> {
    this.#runtime?.stop();
    await this.#server?.close();
    await super.onShutdown();
  }
}

/** A {@link PromkitReader} for `NodeSDK({ metricReaders: [promkitReader()] })`. */
export function promkitReader(options: PromkitReaderOptions = {}): PromkitReader {
  return new PromkitReader(options);
}
