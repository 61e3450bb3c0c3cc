/**
 * Prometheus series and label names for the shipped rules and dashboard, taken from the catalogue
 * so a renamed metric or attribute changes the generated PromQL (and the drift test fails until
 * the files are regenerated) instead of leaving queries that silently match nothing.
 */
import {
  CACHE_ENTRIES,
  CACHE_EVICTIONS,
  CACHE_HITS,
  CACHE_MISSES,
  CACHE_OPERATION_DURATION,
  CACHE_SIZE,
  CIRCUIT_BREAKER_CALL_DURATION,
  CIRCUIT_BREAKER_FAILURE_RATE,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_BREAKER_TRANSITIONS,
  DB_CLIENT_OPERATION_DURATION,
  DB_CLIENT_RESPONSE_RETURNED_ROWS,
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  GEN_AI_CLIENT_TOKEN_USAGE,
  HTTP_CLIENT_REQUEST_DURATION,
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_DURATION,
  NODEJS_EVENTLOOP_DELAY_P99,
  NODEJS_EVENTLOOP_UTILIZATION,
  PROCESS_CPU_TIME,
  PROCESS_MEMORY_USAGE,
  PROCESS_UPTIME,
  V8JS_GC_DURATION,
  V8JS_MEMORY_HEAP_USED,
  type MetricDefinition,
} from '../src/catalogue/index.js';
import { scrapedNames } from './catalogue-markdown.js';
import { prometheusLabelName } from '../src/naming.js';

/** The one scraped name of a counter or gauge. */
function single(def: MetricDefinition): string {
  const [name, ...rest] = scrapedNames(def);
  if (name === undefined || rest.length > 0) throw new Error(`${def.name} is not scraped as a single series`);
  return name;
}

/** The `_bucket`, `_sum` and `_count` names of a histogram, and its bucket boundaries. */
function histogram(def: MetricDefinition): { bucket: string; sum: string; count: string; boundaries: readonly number[] } {
  const [bucket, sum, count] = scrapedNames(def);
  if (bucket === undefined || sum === undefined || count === undefined || def.boundaries === undefined) throw new Error(`${def.name} is not a histogram`);
  return { bucket, sum, count, boundaries: def.boundaries };
}

/** A label name as scraped, checked against the metric's declared attributes. */
function label(def: MetricDefinition, attribute: string): string {
  if (!def.attributes.includes(attribute)) throw new Error(`${def.name} has no attribute ${attribute}`);
  return prometheusLabelName(attribute);
}

export const M = {
  httpServerDuration: histogram(HTTP_SERVER_REQUEST_DURATION),
  httpServerActive: single(HTTP_SERVER_ACTIVE_REQUESTS),
  httpClientDuration: histogram(HTTP_CLIENT_REQUEST_DURATION),
  llmDuration: histogram(GEN_AI_CLIENT_OPERATION_DURATION),
  llmTokens: histogram(GEN_AI_CLIENT_TOKEN_USAGE),
  llmTimeToFirstChunk: histogram(GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK),
  llmTimePerChunk: histogram(GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK),
  cacheHits: single(CACHE_HITS),
  cacheMisses: single(CACHE_MISSES),
  cacheEvictions: single(CACHE_EVICTIONS),
  cacheSize: single(CACHE_SIZE),
  cacheEntries: single(CACHE_ENTRIES),
  cacheDuration: histogram(CACHE_OPERATION_DURATION),
  dbDuration: histogram(DB_CLIENT_OPERATION_DURATION),
  dbRows: histogram(DB_CLIENT_RESPONSE_RETURNED_ROWS),
  breakerCalls: histogram(CIRCUIT_BREAKER_CALL_DURATION),
  breakerState: single(CIRCUIT_BREAKER_STATE),
  breakerTransitions: single(CIRCUIT_BREAKER_TRANSITIONS),
  breakerFailureRate: single(CIRCUIT_BREAKER_FAILURE_RATE),
  cpuTime: single(PROCESS_CPU_TIME),
  memoryUsage: single(PROCESS_MEMORY_USAGE),
  uptime: single(PROCESS_UPTIME),
  heapUsed: single(V8JS_MEMORY_HEAP_USED),
  gcDuration: histogram(V8JS_GC_DURATION),
  eventLoopDelayP99: single(NODEJS_EVENTLOOP_DELAY_P99),
  eventLoopUtilization: single(NODEJS_EVENTLOOP_UTILIZATION),
} as const;

export const L = {
  method: label(HTTP_SERVER_REQUEST_DURATION, 'http.request.method'),
  status: label(HTTP_SERVER_REQUEST_DURATION, 'http.response.status_code'),
  route: label(HTTP_SERVER_REQUEST_DURATION, 'http.route'),
  errorType: label(HTTP_SERVER_REQUEST_DURATION, 'error.type'),
  serverAddress: label(HTTP_CLIENT_REQUEST_DURATION, 'server.address'),
  serverPort: label(HTTP_CLIENT_REQUEST_DURATION, 'server.port'),
  requestModel: label(GEN_AI_CLIENT_OPERATION_DURATION, 'gen_ai.request.model'),
  providerName: label(GEN_AI_CLIENT_OPERATION_DURATION, 'gen_ai.provider.name'),
  tokenType: label(GEN_AI_CLIENT_TOKEN_USAGE, 'gen_ai.token.type'),
  cacheName: label(CACHE_HITS, 'cache.name'),
  cacheOperation: label(CACHE_HITS, 'cache.operation'),
  dbOperation: label(DB_CLIENT_OPERATION_DURATION, 'db.operation.name'),
  dbCollection: label(DB_CLIENT_OPERATION_DURATION, 'db.collection.name'),
  breakerName: label(CIRCUIT_BREAKER_STATE, 'circuit_breaker.name'),
  breakerState: label(CIRCUIT_BREAKER_STATE, 'circuit_breaker.state'),
  breakerOutcome: label(CIRCUIT_BREAKER_CALL_DURATION, 'circuit_breaker.outcome'),
  breakerFrom: label(CIRCUIT_BREAKER_TRANSITIONS, 'circuit_breaker.from_state'),
  breakerTo: label(CIRCUIT_BREAKER_TRANSITIONS, 'circuit_breaker.to_state'),
  cpuMode: label(PROCESS_CPU_TIME, 'cpu.mode'),
  gcType: label(V8JS_GC_DURATION, 'v8js.gc.type'),
} as const;

/** `histogram_quantile(q, sum by (<by>, le) (rate(<bucket>[<range>])))`. */
export function quantile(q: number, bucket: string, by: readonly string[], range: string, selector = ''): string {
  return `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${bucket}${selector}[${range}])))`;
}

/**
 * Share of `numerator` in `denominator` per `by`, reading 0 (not "no data") while the numerator
 * has no series yet, e.g. before the first error: `(num or den * 0) / den`.
 */
export function ratio(numerator: string, denominator: string): string {
  return `(${numerator} or ${denominator} * 0) / ${denominator}`;
}

/**
 * `a / (a + b)` for two disjoint counts (hits and misses), where either may have no series yet:
 * each side falls back to 0 per label set of the other, so a cache that never hit reads 0.
 */
export function shareOfTwo(a: string, b: string): string {
  const a0 = `(${a} or ${b} * 0)`;
  const b0 = `(${b} or ${a} * 0)`;
  return `${a0} / (${a0} + ${b0})`;
}
