/**
 * HTTP server and client metrics, exactly as the OpenTelemetry HTTP semantic conventions define
 * them, so that `@opentelemetry/instrumentation-http` and promkit's manual API feed the same
 * series and community HTTP dashboards work unchanged.
 */
import { BUCKET_PRESETS } from './buckets.js';
import { defineMetric, type MetricDefinition } from './types.js';

/** `http.route` is a route template (`/users/:id`), never a raw path: raw paths explode cardinality. */
const SERVER_ATTRIBUTES = [
  'http.request.method',
  'http.response.status_code',
  'http.route',
  'url.scheme',
  'error.type',
  'network.protocol.version',
] as const;

export const HTTP_SERVER_REQUEST_DURATION = defineMetric({
  name: 'http.server.request.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of HTTP server requests.',
  attributes: SERVER_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.http_duration,
  domain: 'http',
  source: 'semconv',
});

export const HTTP_SERVER_ACTIVE_REQUESTS = defineMetric({
  name: 'http.server.active_requests',
  kind: 'updowncounter',
  unit: '{request}',
  description: 'Number of HTTP server requests currently in flight.',
  attributes: ['http.request.method', 'url.scheme'],
  domain: 'http',
  source: 'semconv',
  clusterAggregation: 'sum',
});

export const HTTP_SERVER_REQUEST_BODY_SIZE = defineMetric({
  name: 'http.server.request.body.size',
  kind: 'histogram',
  unit: 'By',
  description: 'Size of HTTP server request bodies.',
  attributes: SERVER_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.body_size,
  domain: 'http',
  source: 'semconv',
});

export const HTTP_SERVER_RESPONSE_BODY_SIZE = defineMetric({
  name: 'http.server.response.body.size',
  kind: 'histogram',
  unit: 'By',
  description: 'Size of HTTP server response bodies.',
  attributes: SERVER_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.body_size,
  domain: 'http',
  source: 'semconv',
});

/** Also recorded for `fetch` (undici), which LLM SDKs use and instrumentation-http does not see. */
export const HTTP_CLIENT_REQUEST_DURATION = defineMetric({
  name: 'http.client.request.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of HTTP client requests.',
  attributes: ['http.request.method', 'server.address', 'server.port', 'http.response.status_code', 'error.type'],
  boundaries: BUCKET_PRESETS.http_duration,
  domain: 'http',
  source: 'semconv',
});

export const HTTP_METRICS: readonly MetricDefinition[] = Object.freeze([
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
  HTTP_CLIENT_REQUEST_DURATION,
]);
