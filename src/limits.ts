/**
 * Label sets per metric, for the life of the process, before new ones are folded into the
 * `otel_metric_overflow="true"` series. It is the OpenTelemetry SDK's own default; promkit
 * states it rather than inheriting it silently, and applies it to its cells (`record/series.ts`)
 * and to the reader's state of SDK-aggregated metrics (`otel/cumulative.ts`) alike.
 */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

/**
 * The meter native histograms are recorded on. `otel/views.ts` gives every histogram of this
 * meter OpenTelemetry's base-2 exponential aggregation; the facade creates a histogram's native
 * twin here, so no view by instrument name can give it a second aggregation.
 */
export const NATIVE_HISTOGRAM_METER = 'promkit.native';

/** Exponential buckets per sign (OpenTelemetry's default): the scale drops until the range fits. */
export const NATIVE_HISTOGRAM_MAX_SIZE = 160;
