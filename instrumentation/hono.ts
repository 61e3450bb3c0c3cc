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
 * instrumentation. Hono is not imported: the context is described by the members used.
 */
import type { IncomingMessage } from 'node:http';
import { setRoute, UNMATCHED_ROUTE } from '../src/facade/route.js';

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
