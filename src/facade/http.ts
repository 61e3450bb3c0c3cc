/**
 * Manual HTTP API for servers and clients the automatic instrumentation does not see. It writes
 * the same semantic-convention series as `@opentelemetry/instrumentation-http`, so dashboards
 * cannot tell the two sources apart.
 */
import {
  HTTP_CLIENT_REQUEST_DURATION,
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
} from '../catalogue/http.js';
import { OVERFLOW_LABELS } from './labels.js';
import { memoBudget, memoByName } from './memo.js';
import { normalizeRoute as defaultNormalizer, type RouteNormalizer } from './route.js';
import type { BoundUpDownCounter, FacadeCore } from './types.js';

/** Methods semconv knows (RFC 9110, RFC 5789 PATCH, and QUERY); anything else is `_OTHER`. */
export const KNOWN_HTTP_METHODS = Object.freeze([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
] as const);
const KNOWN = new Set<string>(KNOWN_HTTP_METHODS);

/** Upper-cases a known method; any other value is `_OTHER` so a client cannot invent series. */
export function normalizeMethod(method: string): string {
  const upper = typeof method === 'string' ? method.toUpperCase() : '';
  return KNOWN.has(upper) ? upper : '_OTHER';
}

interface ServerRequestCommon {
  readonly method: string;
  /**
   * Absent when no response was sent (the handler threw or the connection closed first): the
   * series then has no `http.response.status_code`, as semconv says; give `errorType`.
   */
  readonly statusCode?: number;
  readonly durationS: number;
  /** `url.scheme`: `http` or `https`. */
  readonly scheme?: string;
  /** `network.protocol.version`: `1.1`, `2`, `3`. */
  readonly protocolVersion?: string;
  /** Defaults to the status code as a string for 5xx responses, per semconv (server side). */
  readonly errorType?: string;
  readonly requestBodySize?: number;
  readonly responseBodySize?: number;
}

/**
 * A finished server request. Give `route` when your framework matched a template (`/users/:id`);
 * give `path` when all you have is the raw URL: it is normalised, and a 404 collapses into the
 * unmatched route. Both pass through the normaliser, so a raw path never becomes a label.
 */
export type ServerRequest = ServerRequestCommon &
  ({ readonly route: string; readonly path?: never } | { readonly path: string; readonly route?: never });

export interface ClientRequest {
  readonly method: string;
  /** Host name or IP of the server (`api.openai.com`), never the full URL. */
  readonly serverAddress: string;
  readonly serverPort?: number;
  /** Absent when no response arrived (connection refused, timeout): then give `errorType`. */
  readonly statusCode?: number;
  readonly durationS: number;
  /** Defaults to the status code as a string for 4xx and 5xx responses, per semconv (client side). */
  readonly errorType?: string;
}

export interface ActiveRequest {
  readonly method: string;
  readonly scheme?: string;
}

export interface HttpFacade {
  recordServerRequest(request: ServerRequest): void;
  recordClientRequest(request: ClientRequest): void;
  /** Counts one in-flight request until the returned `end` is called; extra `end` calls are ignored. */
  activeRequest(request: ActiveRequest): () => void;
  /**
   * The in-flight counter of one method and scheme, for instrumentation that pairs its own
   * `add(1)` / `add(-1)` per request (memoised: no allocation per request).
   */
  activeRequests(method: string, scheme?: string): BoundUpDownCounter;
}

export interface HttpFacadeOptions {
  /** Normaliser applied to every route and path; default {@link defaultNormalizer}. */
  readonly normalizeRoute?: RouteNormalizer;
}

type ServerKey = (typeof HTTP_SERVER_REQUEST_DURATION.attributes)[number];
type ClientKey = (typeof HTTP_CLIENT_REQUEST_DURATION.attributes)[number];

export function createHttpFacade(core: FacadeCore, options: HttpFacadeOptions = {}): HttpFacade {
  const normalize = options.normalizeRoute ?? defaultNormalizer;
  const serverDuration = core.histogram(HTTP_SERVER_REQUEST_DURATION);
  const requestSize = core.histogram(HTTP_SERVER_REQUEST_BODY_SIZE);
  const responseSize = core.histogram(HTTP_SERVER_RESPONSE_BODY_SIZE);
  const clientDuration = core.histogram(HTTP_CLIENT_REQUEST_DURATION);
  const active = core.upDownCounter(HTTP_SERVER_ACTIVE_REQUESTS);
  // Bound cells per method and scheme: in-flight tracking is two adds per request, kept off the SDK's hashing path.
  // Keyed by method and scheme; the scheme is the caller's string, so the memo is bounded like the series.
  const activeCells = memoByName(
    memoBudget(core.limits),
    (_key: string, method: string, scheme: string | undefined): BoundUpDownCounter =>
      active.bind(scheme === undefined ? { 'http.request.method': method } : { 'http.request.method': method, 'url.scheme': scheme }),
    () => active.bind(OVERFLOW_LABELS),
  );
  const activeCell = (method: string, scheme?: string): BoundUpDownCounter => {
    const normalized = normalizeMethod(method);
    return activeCells(scheme === undefined ? normalized : `${normalized} ${scheme}`, normalized, scheme);
  };

  return {
    recordServerRequest(request) {
      const route =
        request.route !== undefined
          ? normalize(request.route)
          : normalize(request.path, request.statusCode !== undefined ? { statusCode: request.statusCode } : undefined);
      const status = request.statusCode;
      const errorType = request.errorType ?? (status !== undefined && status >= 500 ? String(status) : undefined);
      const labels: { -readonly [K in ServerKey]?: string | number } = {
        'http.request.method': normalizeMethod(request.method),
        'http.route': route,
      };
      if (status !== undefined) labels['http.response.status_code'] = status;
      if (request.scheme !== undefined) labels['url.scheme'] = request.scheme;
      if (request.protocolVersion !== undefined) labels['network.protocol.version'] = request.protocolVersion;
      if (errorType !== undefined) labels['error.type'] = errorType;
      serverDuration.record(request.durationS, labels);
      if (request.requestBodySize !== undefined) requestSize.record(request.requestBodySize, labels);
      if (request.responseBodySize !== undefined) responseSize.record(request.responseBodySize, labels);
    },

    recordClientRequest(request) {
      const status = request.statusCode;
      const errorType = request.errorType ?? (status !== undefined && status >= 400 ? String(status) : undefined);
      const labels: { -readonly [K in ClientKey]?: string | number } = {
        'http.request.method': normalizeMethod(request.method),
        'server.address': request.serverAddress,
      };
      if (request.serverPort !== undefined) labels['server.port'] = request.serverPort;
      if (status !== undefined) labels['http.response.status_code'] = status;
      if (errorType !== undefined) labels['error.type'] = errorType;
      clientDuration.record(request.durationS, labels);
    },

    activeRequest(request) {
      const cell = activeCell(request.method, request.scheme);
      cell.add(1);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        cell.add(-1);
      };
    },

    activeRequests: activeCell,
  };
}
