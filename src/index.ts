/**
 * promkit: Prometheus metrics for Node.js on OpenTelemetry.
 *
 * `start()` (or the `promkit/register` preload) installs the meter provider, the scrape endpoint
 * and HTTP instrumentation; `metrics` is the typed facade over the global provider.
 */
export { start, type PromkitHandle, type SnapshotOptions } from './start.js';
export type { Plan, PlanIdentity, PushOutput, Role } from './plan.js';
export { promkitReader, promkitViews, PromkitReader, type PromkitReaderOptions, type PromkitViewsOptions } from './sdk-node.js';
export {
  resolveConfig,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_ENDPOINT,
  type HealthOptions,
  type HttpServerSource,
  type StartOptions,
  type ResolvedConfig,
  type MetricsExporterName,
  type PushOptions,
} from './config.js';
export type { RemoteWriteOptions } from './push/remote-write.js';
export type { PushgatewayOptions } from './push/pushgateway.js';
export type { OtlpOptions } from './push/otlp.js';
export type { HistogramSeries, MetricSnapshot, MetricsSnapshot, NumberSeries, SeriesSnapshot } from './exposition/json.js';
export type { ComponentHealth, ComponentKind, HealthReport, HealthStatus } from './health/report.js';
export { ConfigError, ConflictingDefinitionError, InvalidDefinitionError, PromkitError, ScrapeServerError, isPromkitError } from './errors.js';
export { PROMETHEUS_CONTENT_TYPE } from './exposition/negotiate.js';
export { metricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './server/app-handler.js';

export { metrics, createMetrics, type Metrics } from './facade/metrics.js';
export type { FacadeCoreOptions as MetricsOptions } from './record/core.js';
export type { ObservableGauge, ObserveCallback, ObserveResult } from './record/observable.js';
export type { InstrumentDefinition, HistogramDefinition } from './record/generic.js';
export type {
  BoundCounter,
  BoundGauge,
  BoundHistogram,
  BoundUpDownCounter,
  Clock,
  Counter,
  DropReason,
  Gauge,
  Histogram,
  LabelValue,
  Labels,
  UpDownCounter,
} from './record/types.js';
export { DROP_REASONS } from './record/types.js';
export { MAX_LABEL_VALUE_LENGTH } from './record/labels.js';
export { trackDuration, trackErrors, trackActive, startTimer, type Timer } from './facade/helpers.js';
export { timed, countErrors, activeGauge } from './facade/decorators.js';
export { createRouteNormalizer, normalizeRoute, setRoute, UNMATCHED_ROUTE, type RouteNormalizer, type RouteNormalizerOptions } from './facade/http/route.js';
export type { HttpFacade, ServerRequest, ClientRequest } from './facade/http/http.js';
export { LLM_STREAM_ABORTED, type LlmFacade, type LlmAttributes, type LlmUsage, type TrackStreamOptions, type TrackOptions as LlmTrackOptions } from './facade/llm/llm.js';
export type { CacheFacade, CacheMetrics, CacheReader, CacheTrackOptions } from './facade/cache.js';
export type { DbFacade, DbOperation, DbPoolMetrics, DbTrackOptions } from './facade/db.js';
export type { BreakerCall, BreakerOutcome, BreakerState, CircuitBreakerFacade, CircuitBreakerMetrics, CircuitBreakerOptions } from './facade/circuit-breaker.js';

export { CATALOGUE, findDefinition, BUCKET_PRESETS, type BucketPreset, type ClusterAggregation, type MetricDefinition, type MetricKind, type Domain } from './catalogue/index.js';
export type { BucketOverride, BucketOverrides } from './otel/views.js';
export { prometheusName, type NamingOptions, type PrometheusKind } from './naming.js';
