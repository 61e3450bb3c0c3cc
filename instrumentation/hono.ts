/**
 * `promkit/hono`: route templates for Hono apps served by `@hono/node-server`. Hono offers no hook
 * a preload can reach, so this takes one line, registered before the routes:
 *
 * ```js
 * import { promkitHono } from 'promkit/hono';
 * app.use(promkitHono());
 * ```
 *
 * After the rest of the chain ran, it hands the path of the handler that answered (`/items/:slug`)
 * to `setRoute` on the Node request (`c.env.incoming`), or the unmatched route when nothing but
 * catch-all middleware matched. The metrics themselves come from the HTTP server
 * instrumentation.
 *
 * `app.use(promkitHonoMetrics())` serves promkit's endpoints on the app's own port. Hono is not
 * imported: the context is described by the members used.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setRoute, UNMATCHED_ROUTE } from '../src/facade/http/route.js';
import { metricsHandler, type MetricsHandler } from '../src/server/app-handler.js';

interface MatchedRoute {
  readonly path: string;
  readonly handler: unknown;
}

/** The part of a Hono context the middleware reads. */
export interface HonoContextLike {
  /** `@hono/node-server` passes `{ incoming, outgoing }` as the environment. */
  readonly env?: unknown;
  readonly req: {
    /** Every route and middleware that matched, in order (`matchedRoutes(c)` of `hono/route`). */
    readonly matchedRoutes?: readonly MatchedRoute[];
    /** Index in `matchedRoutes` of the last handler that ran. */
    readonly routeIndex?: number;
  };
}

export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<void>;

/** A Hono middleware that reports each request's route template; `app.use` it before the routes. */
export function promkitHono(): HonoMiddleware {
  const middleware: HonoMiddleware = async (c, next) => {
    try {
      await next();
    } finally {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      if (incoming !== undefined) setRoute(incoming, routeOf(c, middleware));
    }
  };
  return middleware;
}

const CATCH_ALL = new Set(['*', '/*']);

function routeOf(c: HonoContextLike, self: HonoMiddleware): string {
  // Hono keeps these on the request (its `hono/route` helpers read the same); reading them here
  // keeps promkit free of a Hono import.
  const { matchedRoutes, routeIndex } = c.req;
  const answered = routeIndex === undefined ? undefined : matchedRoutes?.[routeIndex];
  // Only this middleware (or other catch-all middleware) ran: the notFound handler answered.
  if (answered === undefined || answered.handler === self || CATCH_ALL.has(answered.path)) return UNMATCHED_ROUTE;
  return answered.path;
}

/**
 * Tells `@hono/node-server` that the Node response was written directly: its
 * `RESPONSE_ALREADY_SENT`, made here so promkit need not import the server. Like the original it
 * is made once, when this module loads: the server replaces the global `Response` with a
 * lighter one when it starts serving, and answers such a response itself instead of reading
 * the marker header.
 */
const RESPONSE_ALREADY_SENT = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });

/**
 * A Hono middleware (for `@hono/node-server`) that answers `/metrics`, `/metrics/json` and
 * `/metrics/health` on the app's own port, writing the Node response (`c.env.outgoing`) from
 * `handler` (default `metricsHandler()` of the running promkit), and passes every other request
 * on; `app.use` it before the routes.
 */
export function promkitHonoMetrics(handler: MetricsHandler = metricsHandler()): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  return async (c, next) => {
    const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
    if (env?.incoming !== undefined && env.outgoing !== undefined && handler(env.incoming, env.outgoing)) {
      return RESPONSE_ALREADY_SENT;
    }
    await next();
    return undefined;
  };
}
