/**
 * promkit's endpoints on the app's own server, for services that cannot open a second port: a
 * plain `node:http` handler (also Express middleware as it is) that answers `/metrics`,
 * `/metrics/json` and `/metrics/health` through the same {@link ScrapeHandler} as the scrape port,
 * so collections, rendered bodies, the collection deadline, `?name=` filters, authentication and
 * gzip are one and the same, and hands every other request on. Requests it answers are announced
 * as not app traffic, so the HTTP server metrics leave them out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../errors.js';
import type { Route, ScrapeHandler } from './server.js';

/** Where the handler answers on the app's server. */
export interface MetricsHandlerOptions {
  /**
   * The path the app's server mounts promkit's endpoints under, as the request URL the handler is
   * given still carries it, e.g. `/internal`; default none. (Express strips the path of
   * `app.use('/internal', handler)` before the handler sees it: leave this out there.)
   */
  readonly prefix?: string;
  /**
   * The Prometheus path below `prefix`, default `/metrics`; the JSON and health endpoints are
   * below it (`/metrics/json`, `/metrics/health`), as on the scrape port.
   */
  readonly endpoint?: string;
}

/**
 * A `node:http` request handler (and, as it is, an Express middleware): answers requests for
 * promkit's endpoints and returns true; calls `next()`, if given, for every other request and
 * returns false. Answers nothing while no promkit runs (disabled, or shut down).
 */
export type MetricsHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => boolean;

/** The handler the running promkit serves with; set by `start()` and cleared by its shutdown. */
let running: ScrapeHandler<unknown> | undefined;

/** Makes `handler` the one {@link metricsHandler} serves with (undefined: none runs). */
export function setRunningScrapeHandler(handler: ScrapeHandler<unknown> | undefined): void {
  running = handler;
}

/**
 * promkit's endpoints for the app's own server, served by whichever promkit runs when a request
 * arrives (the preload's, or one started later). See {@link MetricsHandlerOptions} for the paths;
 * a bad path throws a `ConfigError` here, not per request.
 *
 * ```js
 * http.createServer((req, res) => metrics(req, res) || app(req, res));
 * expressApp.use(metricsHandler());
 * ```
 */
export function metricsHandler(options: MetricsHandlerOptions = {}): MetricsHandler {
  return createMetricsHandler(() => running, options);
}

/** A {@link MetricsHandler} over the scrape handler `current()` returns per request. */
export function createMetricsHandler<C>(current: () => ScrapeHandler<C> | undefined, options: MetricsHandlerOptions = {}): MetricsHandler {
  const endpoint = appEndpoint(options);
  // The routes under `endpoint`, worked out once per scrape handler rather than per request.
  let bound: ScrapeHandler<C> | undefined;
  let routes: ReadonlyMap<string, Route<C>> = new Map();
  return (request, response, next) => {
    const handler = current();
    if (handler !== undefined) {
      if (handler !== bound) {
        bound = handler;
        routes = handler.routesAt(endpoint);
      }
      if (handler.serveRoute(routes, request, response)) return true;
    }
    next?.();
    return false;
  };
}

function appEndpoint(options: MetricsHandlerOptions): string {
  const prefix = options.prefix ?? '';
  const endpoint = options.endpoint ?? '/metrics';
  if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/') || /[?#]/.test(prefix))) {
    throw new ConfigError('metricsHandler.prefix', `"${prefix}" must start with "/" and not end with one, e.g. "/internal"`);
  }
  if (!endpoint.startsWith('/') || /[?#]/.test(endpoint)) {
    throw new ConfigError('metricsHandler.endpoint', `"${endpoint}" must be a path starting with "/", e.g. "/metrics"`);
  }
  return `${prefix}${endpoint}`;
}
