/**
 * `promkit/koa`: route templates for Koa apps routed by `@koa/router` (or `koa-router`). Koa
 * offers no hook a preload can reach, so this takes one line, registered before the router:
 *
 * ```js
 * import { promkitKoa } from 'promkit/koa';
 * app.use(promkitKoa());
 * ```
 *
 * After the rest of the chain ran (or threw), it hands the router's matched template
 * (`ctx._matchedRoute`, e.g. `/items/:slug`) to `setRoute`, or the unmatched route when no route
 * matched. The metrics themselves still come from the HTTP server instrumentation.
 *
 * `app.use(promkitKoaMetrics())` serves promkit's endpoints on the app's own port. Koa is not
 * imported: the context is described by the members used.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setRoute, UNMATCHED_ROUTE } from '../src/facade/http/route.js';
import { metricsHandler, type MetricsHandler } from '../src/server/app-handler.js';

/** The part of a Koa context the middleware reads. */
export interface KoaContextLike {
  readonly req: IncomingMessage;
  /** Set by `@koa/router` to the matched layer's path, prefix included. */
  readonly _matchedRoute?: unknown;
}

/** The part of a Koa context {@link promkitKoaMetrics} uses. */
export interface KoaResponderLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** False tells Koa the response is written by someone else. */
  respond?: boolean;
}

export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

/** A Koa middleware that reports each request's route template; `app.use` it before the router. */
export function promkitKoa(): KoaMiddleware {
  return async function promkitRoute(ctx, next) {
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute;
      setRoute(ctx.req, typeof route === 'string' ? route : UNMATCHED_ROUTE);
    }
  };
}

/**
 * A Koa middleware that answers `/metrics`, `/metrics/json` and `/metrics/health` on the app's
 * own port (from `handler`, default `metricsHandler()` of the running promkit) and passes every
 * other request on; `app.use` it before the routes. Koa leaves the answered responses alone.
 */
export function promkitKoaMetrics(handler: MetricsHandler = metricsHandler()): (ctx: KoaResponderLike, next: () => Promise<unknown>) => Promise<unknown> {
  return async function promkitMetrics(ctx, next) {
    if (!handler(ctx.req, ctx.res)) return next();
    ctx.respond = false;
    return undefined;
  };
}
