/**
 * OTLP export through the upstream `@opentelemetry/exporter-metrics-otlp-proto` (an optional
 * peer dependency, loaded only when chosen), as one more reader on promkit's MeterProvider: the
 * catalogue's views (buckets, label allow-lists, cardinality limits) apply to what it exports as
 * they do to the scrape. The exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables
 * (endpoint, headers, timeout, compression, temporality preference) itself.
 */
import {
  AggregationTemporality,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type MetricProducer,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { cumulativeToDelta } from './otlp-delta.js';

/** Options of `start({ push: { otlp } })`. */
export interface OtlpOptions {
  /** Time between exports. Env `OTEL_METRIC_EXPORT_INTERVAL`, default 60000 (the spec's). */
  readonly intervalMillis?: number;
  /** One export's time limit. Env `OTEL_METRIC_EXPORT_TIMEOUT`, default 30000 (the spec's). */
  readonly timeoutMillis?: number;
}

export interface ResolvedOtlp {
  readonly intervalMillis: number;
  readonly timeoutMillis: number;
}

export const OTLP_DEFAULTS = Object.freeze({ intervalMillis: 60_000, timeoutMillis: 30_000 });

export const OTLP_EXPORTER_PACKAGE = '@opentelemetry/exporter-metrics-otlp-proto';

/**
 * The periodic OTLP reader, or undefined (after `warn` was told why in one line) when the
 * exporter package is not installed: a missing optional package must not stop the app or its
 * other exports.
 */
export async function createOtlpReader(
  config: ResolvedOtlp,
  options: {
    readonly cardinalityLimit: number;
    readonly warn: (message: string) => void;
    /** Series promkit keeps itself (histogram cells), exported beside the SDK's. */
    readonly metricProducers?: readonly MetricProducer[];
    /** The package to load; only tests pass another (one that is missing). */
    readonly packageName?: string;
  },
): Promise<IMetricReader | undefined> {
  const exporter = await loadExporter(options.packageName ?? OTLP_EXPORTER_PACKAGE, options.warn);
  if (exporter === undefined) return undefined;
  return new PeriodicExportingMetricReader({
    exporter: withDeltaForProducers(exporter),
    exportIntervalMillis: config.intervalMillis,
    exportTimeoutMillis: Math.min(config.timeoutMillis, config.intervalMillis),
    cardinalityLimits: { default: options.cardinalityLimit },
    ...(options.metricProducers !== undefined && { metricProducers: [...options.metricProducers] }),
  });
}

/** OTLP export of a collection promkit makes itself (a cluster primary's merged one), on the interval. */
export interface OtlpPusher {
  /** Exports one collection now; resolves when the exporter answered. Never rejects. */
  push(): Promise<void>;
  /** Stops the interval, exports the final collection and shuts the exporter down. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * OTLP for a `node:cluster` primary: its MeterProvider holds only its own instruments, so a
 * reader on it would leave the workers out. This exports the merged collection (the one the
 * scrape serves) every `intervalMillis` instead, under the primary's one resource. Undefined
 * (after one warning) without the exporter package.
 */
export async function createOtlpPusher(
  config: ResolvedOtlp,
  options: { readonly collect: () => Promise<ResourceMetrics>; readonly warn: (message: string) => void; readonly packageName?: string },
): Promise<OtlpPusher | undefined> {
  const loaded = await loadExporter(options.packageName ?? OTLP_EXPORTER_PACKAGE, options.warn);
  if (loaded === undefined) return undefined;
  const exporter = withDeltaForProducers(loaded);
  let stopped: Promise<void> | undefined;
  const push = async (): Promise<void> => {
    try {
      const metrics = await options.collect();
      await new Promise<void>((resolve) => exporter.export(metrics, () => resolve()));
    } catch {
      // A failed collection or export is the exporter's to report; the next interval tries again.
    }
  };
  const timer = setInterval(() => void push(), config.intervalMillis);
  timer.unref();
  return {
    push: () => (stopped === undefined ? push() : Promise.resolve()),
    shutdown: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        await push();
        await exporter.shutdown().catch(() => undefined);
      })()),
  };
}

/** The OTLP exporter, or undefined (after `warn` was told why in one line) when its package cannot be loaded. */
async function loadExporter(packageName: string, warn: (message: string) => void): Promise<PushMetricExporter | undefined> {
  let exporterModule: typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  try {
    exporterModule = await import(packageName);
  } catch (error) {
    warn(
      `OTEL_METRICS_EXPORTER=otlp needs ${packageName}, which could not be loaded (${(error as Error).message.split('\n')[0]}); ` +
        `install it (npm install ${packageName}) or remove otlp; not exporting OTLP`,
    );
    return undefined;
  }
  return new exporterModule.OTLPMetricExporter();
}

/**
 * The exporter, with promkit's producer series (reported cumulative) turned delta where the
 * exporter's temporality preference asks for delta, as the SDK's own instruments already are.
 */
function withDeltaForProducers(exporter: PushMetricExporter): PushMetricExporter {
  const select = exporter.selectAggregationTemporality?.bind(exporter);
  if (select === undefined) return exporter;
  const convert = cumulativeToDelta((type) => select(type) === AggregationTemporality.DELTA);
  return {
    export: (metrics, resultCallback) => exporter.export(convert(metrics), resultCallback),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: select,
    ...(exporter.selectAggregation !== undefined && { selectAggregation: exporter.selectAggregation.bind(exporter) }),
  };
}
