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
} from '../../catalogue/http.js';
import type { HistogramCellSet } from '../../record/histogram-cells.js';
import { ServerCells } from './http-server-cells.js';
import type { FacadeHistogram } from '../../record/instruments.js';
import { OVERFLOW_LABELS } from '../../record/labels.js';
import { RouteCache } from './route-cache.js';
import { normalizeRoute as defaultNormalizer, type RouteNormalizer } from './route.js';
import type { BoundUpDownCounter, FacadeCore } from '../../record/types.js';

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
/** Each known method to itself: a lookup of the usual upper-case spelling allocates nothing. */
const KNOWN = new Map<string, string>(KNOWN_HTTP_METHODS.map((method) => [method, method]));

/** Upper-cases a known method; any other value is `_OTHER` so a client cannot invent series. */
export function normalizeMethod(method: string): string {
  const known = KNOWN.get(method);
  if (known !== undefined) return known;
  const upper = typeof method === 'string' ? method.toUpperCase() : '';
  return KNOWN.get(upper) ?? '_OTHER';
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
  /**
   * Normaliser applied to every route and path; default {@link defaultNormalizer}. Its result is
   * memoised per raw string (see `route-cache.ts`).
   */
  readonly normalizeRoute?: RouteNormalizer;
}

/** The HTTP facade plus what `start()` configures on the default one (see `configureDefaultMetrics`). */
export interface ConfigurableHttpFacade extends HttpFacade {
  configure(options: HttpFacadeOptions): void;
}

type ServerKey = (typeof HTTP_SERVER_REQUEST_DURATION.attributes)[number];
type ClientKey = (typeof HTTP_CLIENT_REQUEST_DURATION.attributes)[number];

/** The status code as a label string (`error.type` of a 5xx), made once per code. */
const STATUS_TEXT = new Map<number, string>();
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) {
    text = String(status);
    if (STATUS_TEXT.size < 1000) STATUS_TEXT.set(status, text);
  }
  return text;
}

/** A server histogram's cell index, remade if the instrument's cells change (first use under a producer). */
class ServerIndex {
  #cells: HistogramCellSet | undefined;
  #generation = 0;
  #index: ServerCells | undefined;
  constructor(private readonly histogram: FacadeHistogram<string>) {}
  /** Undefined when no producer reports cells: the SDK path records then. */
  get(): ServerCells | undefined {
    const cells = this.histogram.cells();
    if (cells === undefined) return undefined;
    // Remade when cells expired (seriesTtl), so the index never outgrows the metric's series.
    if (cells !== this.#cells || cells.generation !== this.#generation) {
      this.#cells = cells;
      this.#generation = cells.generation;
      this.#index = new ServerCells(cells, this.histogram.labelKeys);
    }
    return this.#index;
  }
}

export function createHttpFacade(core: FacadeCore, options: HttpFacadeOptions = {}): ConfigurableHttpFacade {
  let routes = new RouteCache(options.normalizeRoute ?? defaultNormalizer);
  // The facade's own instruments: FacadeHistogram is what core.histogram() returns.
  const serverDuration = core.histogram(HTTP_SERVER_REQUEST_DURATION) as unknown as FacadeHistogram<ServerKey>;
  const requestSize = core.histogram(HTTP_SERVER_REQUEST_BODY_SIZE) as unknown as FacadeHistogram<ServerKey>;
  const responseSize = core.histogram(HTTP_SERVER_RESPONSE_BODY_SIZE) as unknown as FacadeHistogram<ServerKey>;
  const durationCells = new ServerIndex(serverDuration);
  const requestSizeCells = new ServerIndex(requestSize);
  const responseSizeCells = new ServerIndex(responseSize);
  const clientDuration = core.histogram(HTTP_CLIENT_REQUEST_DURATION);
  const active = core.upDownCounter(HTTP_SERVER_ACTIVE_REQUESTS);
  // In-flight cells by method, then scheme: two adds per request, no key string, no SDK hashing.
  // The scheme is the caller's string, so the index is bounded like the series it writes.
  const activeCells = new Map<string, Map<string | undefined, BoundUpDownCounter>>();
  let activeCount = 0;
  let activeSpill: BoundUpDownCounter | undefined;
  const activeCell = (method: string, scheme?: string): BoundUpDownCounter => {
    const normalized = normalizeMethod(method);
    const found = activeCells.get(normalized)?.get(scheme);
    if (found !== undefined) return found;
    if (activeCount >= core.limits.cardinality - 1) return (activeSpill ??= active.bind(OVERFLOW_LABELS));
    const cell = active.bind(scheme === undefined ? { 'http.request.method': normalized } : { 'http.request.method': normalized, 'url.scheme': scheme });
    let byScheme = activeCells.get(normalized);
    if (byScheme === undefined) activeCells.set(normalized, (byScheme = new Map()));
    byScheme.set(scheme, cell);
    activeCount++;
    return cell;
  };

  /** Without a producer (a facade over a caller's own provider): the SDK records, with a labels object. */
  const recordThroughSdk = (request: ServerRequest, method: string, route: string, errorType: string | undefined): void => {
    const status = request.statusCode;
    const labels: { -readonly [K in ServerKey]?: string | number } = { 'http.request.method': method, 'http.route': route };
    if (status !== undefined) labels['http.response.status_code'] = status;
    if (request.scheme !== undefined) labels['url.scheme'] = request.scheme;
    if (request.protocolVersion !== undefined) labels['network.protocol.version'] = request.protocolVersion;
    if (errorType !== undefined) labels['error.type'] = errorType;
    serverDuration.record(request.durationS, labels);
    if (request.requestBodySize !== undefined) requestSize.record(request.requestBodySize, labels);
    if (request.responseBodySize !== undefined) responseSize.record(request.responseBodySize, labels);
  };

  return {
    // Allocation-free when the route is memoised and the label set seen before: the automatic
    // instrumentation calls this for every request.
    recordServerRequest(request) {
      const status = request.statusCode;
      const route = request.route !== undefined ? routes.template(request.route) : routes.ofPath(request.path, status);
      const method = normalizeMethod(request.method);
      const errorType = request.errorType ?? (status !== undefined && status >= 500 ? statusText(status) : undefined);
      const duration = durationCells.get();
      if (duration === undefined) return recordThroughSdk(request, method, route, errorType);
      const { scheme, protocolVersion } = request;
      duration.cell(method, status, route, scheme, protocolVersion, errorType).record(request.durationS);
      if (request.requestBodySize !== undefined) {
        requestSizeCells.get()?.cell(method, status, route, scheme, protocolVersion, errorType).record(request.requestBodySize);
      }
      if (request.responseBodySize !== undefined) {
        responseSizeCells.get()?.cell(method, status, route, scheme, protocolVersion, errorType).record(request.responseBodySize);
      }
    },

    recordClientRequest(request) {
      const status = request.statusCode;
      const errorType = request.errorType ?? (status !== undefined && status >= 400 ? statusText(status) : undefined);
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

    configure(configured) {
      routes = new RouteCache(configured.normalizeRoute ?? defaultNormalizer);
    },
  };
}
