/**
 * The process-wide wiring of a start: promkit's provider as the global one, the default facade
 * and prom-client's API bound to it, and the automatic instrumentation (HTTP server and client,
 * fetch, Fastify, instrumentation-http, OpenTelemetry instrumentations given or named).
 */
import { metrics as otelMetrics } from '@opentelemetry/api';
import { instrumentFastify } from '../../instrumentation/fastify.js';
import { instrumentFetch } from '../../instrumentation/fetch.js';
import { instrumentHttpClient } from '../../instrumentation/http-client.js';
import { instrumentHttpServer } from '../../instrumentation/http-server.js';
import { enableOnMeterProvider, loadNamedInstrumentations } from '../../instrumentation/otel-instrumentations.js';
import { NAMED_INSTRUMENTATIONS, type ResolvedConfig } from '../config.js';
import { configureDefaultMetrics, metrics } from '../facade/metrics.js';
import { globalMeterProviderRegistered, OTHER_PROVIDER_NOTICE } from '../otel/provider.js';
import { catalogueBoundaries, nativeClassicBoundaries } from '../otel/views.js';
import { bindPromClient } from '../prom-client/bridge.js';
import { promClientRuntimeNames } from '../runtime/prom-client-names.js';
import type { RuntimeMetricsSelection } from '../runtime/select.js';
import { warn } from '../warnings.js';
import type { Serving } from './serving.js';
import type { StopStack } from './stop-stack.js';
import type { Telemetry } from './telemetry.js';

/** Registers the provider globally and binds the default facade and prom-client's API to it. */
export function bindGlobals(config: ResolvedConfig, telemetry: Telemetry, serving: Serving, stack: StopStack): void {
  const { meterProvider, producer, runtime } = telemetry;
  // setGlobalMeterProvider refuses a second provider: promkit's endpoint would then miss every OpenTelemetry instrumentation.
  if (globalMeterProviderRegistered()) warn(OTHER_PROVIDER_NOTICE);
  otelMetrics.setGlobalMeterProvider(meterProvider);
  // One facade for users and the automatic instrumentation alike: same cells, same route normaliser.
  configureDefaultMetrics(meterProvider, {
    producer,
    nativeHistograms: nativeClassicBoundaries(config.nativeHistograms, config.buckets),
    buckets: catalogueBoundaries(config.buckets),
    ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    ...(config.normalizeRoute !== undefined && { normalizeRoute: config.normalizeRoute }),
  });
  stack.push(
    bindPromClient({
      meterProvider,
      scrape: serving.scrape,
      collect: serving.endpoints.collect,
      enableRuntimeNames: (names) => runtime.enablePromClientNames(names),
      runtimeNames: runtimePrometheusNames(config.runtimeMetrics),
      ...(config.cardinalityLimit !== undefined && { cardinalityLimit: config.cardinalityLimit }),
    }),
  );
}

/** The automatic instrumentation the configuration chooses; the scrape port's own requests are not app traffic. */
export function instrument(
  config: ResolvedConfig,
  telemetry: Telemetry,
  serving: Serving,
  otelHttp: typeof import('../../instrumentation/http.js') | undefined,
  stack: StopStack,
): void {
  const { meterProvider } = telemetry;
  const scrapePort = () => serving.server?.port;
  const http = metrics.http;
  if (config.instrumentHttp) {
    if (config.httpServerSource === 'diagnostics_channel') {
      // The scrape port's own server is marked (markNotAppServer): its requests are skipped there.
      stack.push(instrumentHttpServer({ http }));
      stack.push(instrumentFastify());
    }
    if (config.httpClientSource === 'diagnostics_channel') {
      stack.push(instrumentHttpClient((request) => http.recordClientRequest(request)));
    }
    if (otelHttp !== undefined) {
      stack.push(
        otelHttp.instrumentHttp({
          meterProvider,
          scrapePort,
          incoming: config.httpServerSource === 'instrumentation-http',
          outgoing: config.httpClientSource === 'instrumentation-http',
        }),
      );
    }
  }
  if (config.instrumentFetch) stack.push(instrumentFetch((request) => http.recordClientRequest(request)));
  const named = loadNamedInstrumentations(
    config.namedInstrumentations.map((name) => ({ name, ...NAMED_INSTRUMENTATIONS[name] })),
    // Named in the environment, so looked up where the app runs; a missing one is one line, not a failed start.
    { from: process.cwd(), warn: (message) => process.stderr.write(`promkit: ${message}\n`) },
  );
  stack.push(enableOnMeterProvider([...config.instrumentations, ...named], meterProvider));
}

/** The Prometheus names promkit's runtime metrics export under `selection`, where prom-client's default metrics use them too. */
function runtimePrometheusNames(selection: RuntimeMetricsSelection): ReadonlySet<string> {
  if (selection === 'off') return new Set();
  // The OpenTelemetry set's process.start_time is process_start_time_seconds in Prometheus; the other names differ.
  return new Set(selection === 'otel' ? ['process_start_time_seconds'] : promClientRuntimeNames());
}
