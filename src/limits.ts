/**
 * Label sets per metric before new ones are folded into the `otel_metric_overflow="true"`
 * series. It is the OpenTelemetry SDK's own default; promkit states it rather than inheriting
 * it silently, and applies it to views, to the reader and to bound handles alike.
 */
export const DEFAULT_CARDINALITY_LIMIT = 2000;
