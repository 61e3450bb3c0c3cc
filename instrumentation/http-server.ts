import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFacade, ServerRequest } from '../src/facade/http/http.js';
import { explicitRouteOf, isRoutedServer, UNMATCHED_ROUTE } from '../src/facade/http/route.js';
import { isNotAppServer, NOT_APP_TRAFFIC_CHANNEL } from '../src/not-app-traffic.js';
import type { BoundUpDownCounter } from '../src/record/types.js';

/**
 * Express (and routers modelled on it) leave the matched layer on the request; `app` (on the
 * prototype Express gives every request it handles) says Express saw the request at all.
 */
type ExpressLike = IncomingMessage & {
  route?: { path?: unknown };
  baseUrl?: unknown;
  originalUrl?: unknown;
  app?: { handle?: unknown };
};

export interface HttpServerInstrumentationOptions {
  readonly http: HttpFacade;
  /**
   * Requests for which this returns true are not recorded. Requests to promkit's own scrape port
   * never are (`markNotAppServer`), without this.
   */
  readonly ignore?: ((request: IncomingMessage) => boolean) | undefined;
}

/**
 * What the start listener leaves on a response for its `close` listener: fields, not a
 * per-request object. `ROUTED` is set only on responses of routed servers (Fastify), so the
 * common response gets one added property, not two.
 */
const STARTED = Symbol('promkit.http.started');
const ROUTED = Symbol('promkit.http.routed');
type Tracked = ServerResponse & { [STARTED]?: number | undefined; [ROUTED]?: true };

// The global `performance` is an accessor that runs on every read: read it once.
const clock = performance;

/**
 * The one request object handed to the facade, refilled for each request: `recordServerRequest`
 * reads it synchronously and keeps nothing, so no object is made per request. Every field is
 * always present, so it keeps one shape.
 */
interface Finished {
  method: string;
  statusCode: number | undefined;
  durationS: number;
  scheme: string | undefined;
  protocolVersion: string | undefined;
  errorType: string | undefined;
  route: string | undefined;
  path: string | undefined;
  requestBodySize: number | undefined;
  responseBodySize: number | undefined;
}

const START_CHANNEL = 'http.server.request.start';

/**
 * Records `http.server.request.duration` and `http.server.active_requests` for every `node:http`
 * and `node:https` server from Node's built-in `diagnostics_channel` events: no monkey-patching,
 * no loader hook, no per-request context, so it works the same for CommonJS and ESM apps and
 * costs one channel message and one `close` listener per request, with nothing allocated by
 * promkit once a route and label set have been seen. `http.route` comes from `setRoute` (which
 * the Fastify, Koa and Hono adapters call), Express's matched route, or the facade's route
 * normaliser (which keeps a raw path's route words and makes every other segment `:id`), never
 * the raw path; a request a router saw but matched to no route (Express,
 * Fastify) is the unmatched route whatever its status.
 * A response whose connection closed before it finished is recorded with `error.type="aborted"`,
 * and without `http.response.status_code` when not even the status line was sent. Requests
 * promkit's own endpoints serve on the app's port (`markNotAppTraffic`) are taken out again when
 * they are known to be such: off `http.server.active_requests` at once, and never recorded.
 */
export function instrumentHttpServer(options: HttpServerInstrumentationOptions): () => void {
  const { http, ignore } = options;
  const finished: Finished = {
    method: 'GET',
    statusCode: undefined,
    durationS: 0,
    scheme: undefined,
    protocolVersion: undefined,
    errorType: undefined,
    route: undefined,
    path: undefined,
    requestBodySize: undefined,
    responseBodySize: undefined,
  };

  // A plain function (not `once`'s wrapper), added per response: 'close' is emitted once.
  function onClose(this: ServerResponse): void {
    const response = this as Tracked;
    const start = response[STARTED];
    if (start === undefined) return;
    response[STARTED] = undefined;
    const request = response.req;
    const method = request.method ?? 'GET';
    const scheme = schemeOf(request);
    http.activeRequests(method, scheme).add(-1);
    const route = routeOf(request, response[ROUTED] === true);
    finished.method = method;
    // Before writeHead, statusCode is only Node's default 200: no status was sent, so none is recorded.
    finished.statusCode = response.headersSent ? response.statusCode : undefined;
    finished.durationS = (clock.now() - start) / 1000;
    finished.scheme = scheme;
    finished.protocolVersion = protocolOf(request);
    finished.errorType = response.writableFinished ? undefined : 'aborted';
    // The facade's normaliser turns either into a bounded template (a 404 path into the unmatched route).
    finished.route = route;
    finished.path = route === undefined ? (request.url ?? '/') : undefined;
    http.recordServerRequest(finished as unknown as ServerRequest);
  }

  const onStart = (message: unknown) => {
    const { request, response, server } = message as { request: IncomingMessage; response: ServerResponse; server?: unknown };
    if (isNotAppServer(server) || (ignore !== undefined && ignore(request))) return;
    http.activeRequests(request.method ?? 'GET', schemeOf(request)).add(1);
    const tracked = response as Tracked;
    tracked[STARTED] = clock.now();
    if (isRoutedServer(server)) tracked[ROUTED] = true;
    response.on('close', onClose);
  };

  // Only known once the app's handler runs, after the start: the request was counted as in flight.
  const onNotAppTraffic = (message: unknown) => {
    const response = (message as { response: ServerResponse }).response as Tracked;
    if (response[STARTED] === undefined) return;
    response[STARTED] = undefined;
    const request = response.req;
    http.activeRequests(request.method ?? 'GET', schemeOf(request)).add(-1);
    response.off('close', onClose);
  };

  diagnosticsChannel.subscribe(START_CHANNEL, onStart);
  diagnosticsChannel.subscribe(NOT_APP_TRAFFIC_CHANNEL, onNotAppTraffic);
  return () => {
    diagnosticsChannel.unsubscribe(START_CHANNEL, onStart);
    diagnosticsChannel.unsubscribe(NOT_APP_TRAFFIC_CHANNEL, onNotAppTraffic);
  };
}

function routeOf(request: IncomingMessage, routed: boolean): string | undefined {
  const explicit = explicitRouteOf(request);
  if (explicit !== undefined) return explicit;
  const express = request as ExpressLike;
  const path = express.route?.path;
  if (typeof path === 'string') return `${mountPathOf(express, path)}${path}`;
  if (routed || typeof express.app?.handle === 'function') return UNMATCHED_ROUTE;
  return undefined;
}

/**
 * The path a nested Express router is mounted at. `req.baseUrl` holds it while the route runs, but
 * Express restores it to the parent's when an error leaves the router, so by the time a failed
 * request closes it can be short. A plain template (no wildcard, optional or pattern part) matches
 * exactly as many segments as it has, so the mount path is then the original URL's leading rest.
 */
function mountPathOf(request: ExpressLike, template: string): string {
  const baseUrl = typeof request.baseUrl === 'string' ? request.baseUrl : '';
  if (typeof request.originalUrl !== 'string' || /[*?(]/.test(template)) return baseUrl;
  const original = segmentsOf(request.originalUrl);
  const routeSegments = segmentsOf(template).length;
  if (segmentsOf(baseUrl).length + routeSegments === original.length) return baseUrl;
  return original.length > routeSegments ? `/${original.slice(0, original.length - routeSegments).join('/')}` : baseUrl;
}

function segmentsOf(path: string): string[] {
  const cut = path.search(/[?#]/);
  return (cut === -1 ? path : path.slice(0, cut)).split('/').filter((segment) => segment !== '');
}

function schemeOf(request: IncomingMessage): string {
  return (request.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
}

/** Semconv spells HTTP/2 as "2", not Node's "2.0". */
function protocolOf(request: IncomingMessage): string {
  const version = request.httpVersion;
  return version === '2.0' ? '2' : version;
}
