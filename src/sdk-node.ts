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
 * Once the SDK has given the reader its provider, the reader starts the endpoint and moves
 * promkit's default facade (`metrics`) onto that provider. Part of the composition root: it
 * wires the server and the facade, as `start()` does.
 */
import { diag, metrics as otelMetrics } from '@opentelemetry/api';
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
import { setQuiet, warn } from './warnings.js';

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
    // The SDK registers its provider as the global one right after building it, in the same tick.
    const nativeHistograms = nativeClassicBoundaries(config.nativeHistograms, config.buckets);
    setImmediate(() => {
      if (!globalMeterProviderRegistered()) return;
      configureDefaultMetrics(otelMetrics.getMeterProvider(), {
        producer: this.#producer,
        buckets: catalogueBoundaries(config.buckets),
        nativeHistograms,
        ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
        ...(config.normalizeRoute !== undefined && { normalizeRoute: config.normalizeRoute }),
      });
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
    await this.#server?.close();
    await super.onShutdown();
  }
}

/** A {@link PromkitReader} for `NodeSDK({ metricReaders: [promkitReader()] })`. */
export function promkitReader(options: PromkitReaderOptions = {}): PromkitReader {
  return new PromkitReader(options);
}
