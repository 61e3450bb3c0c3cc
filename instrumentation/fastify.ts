/**
 * Route templates for Fastify 4 and 5 (and NestJS on its Fastify platform), with no app code.
 * Every Fastify instance publishes itself on the `fastify.initialization` diagnostics channel
 * when it is created; the adapter then adds one `onRequest` hook that hands the matched route
 * (`request.routeOptions.url`, e.g. `/items/:slug`) to `setRoute`. Because it is added while the
 * instance is built, before any route or plug-in, it runs first and for every route, the 404
 * handler included.
 *
 * `app.register(promkitFastifyMetrics())` (from `promkit/fastify`) serves promkit's endpoints on
 * the app's own port. Fastify is not imported: the instance is described by the members used.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import { markRoutedServer, setRoute, UNMATCHED_ROUTE } from '../src/facade/http/route.js';
import { metricsHandler, type MetricsHandler } from '../src/server/app-handler.js';

interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  /** Fastify >= 4.10; `url` is undefined when no route matched (the 404 handler). */
  readonly routeOptions?: { readonly url?: unknown };
}

type OnRequestHook = (request: FastifyRequestLike, reply: unknown, done: () => void) => void;

interface FastifyInstanceLike {
  readonly server?: object;
  addHook(name: 'onRequest', hook: OnRequestHook): unknown;
}

const INITIALIZATION = 'fastify.initialization';

/**
 * Subscribes to Fastify's initialization channel; instances created afterwards report their
 * route templates. Instances created before (promkit started late, not by the preload) are not
 * seen: start promkit with `--import promkit/register` or before creating the app. Returns a
 * function that unsubscribes (hooks already added stay, and keep setting routes harmlessly).
 */
export function instrumentFastify(): () => void {
  const onInitialization = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstanceLike };
    try {
      if (fastify.server !== undefined) markRoutedServer(fastify.server);
      fastify.addHook('onRequest', reportRoute);
    } catch (error) {
      diag.warn('promkit: could not add the route hook to a Fastify instance; its routes fall back to normalised paths', error);
    }
  };
  diagnosticsChannel.subscribe(INITIALIZATION, onInitialization);
  return () => diagnosticsChannel.unsubscribe(INITIALIZATION, onInitialization);
}

// A callback hook, not an async one: no promise per request.
function reportRoute(request: FastifyRequestLike, _reply: unknown, done: () => void): void {
  const url = request.routeOptions?.url;
  setRoute(request.raw, typeof url === 'string' ? url : UNMATCHED_ROUTE);
  done();
}

/** The part of a Fastify reply {@link promkitFastifyMetrics} uses. */
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  /** Fastify stops its lifecycle for the request and leaves the raw response to the caller. */
  hijack(): unknown;
}

/** The part of a Fastify instance {@link promkitFastifyMetrics} uses. */
export interface FastifyHooksLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void): unknown;
}

/** A Fastify plug-in whose hooks apply to the instance it is registered on (as `fastify-plugin` makes them). */
export type FastifyPluginLike = ((instance: FastifyHooksLike, options: unknown, done: () => void) => void) & { readonly [SKIP_OVERRIDE]: true };

/** Fastify's (and `fastify-plugin`'s) marker for a plug-in that is not encapsulated. */
const SKIP_OVERRIDE = Symbol.for('skip-override');

/**
 * A Fastify plug-in that answers `/metrics`, `/metrics/json` and `/metrics/health` on the app's
 * own port from `handler` (default `metricsHandler()` of the running promkit): an `onRequest`
 * hook on the instance it is registered on hijacks those requests and writes the raw response;
 * every other request goes on through Fastify. Register it on the root instance.
 */
export function promkitFastifyMetrics(handler: MetricsHandler = metricsHandler()): FastifyPluginLike {
  const onRequest = (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void): void => {
    // Not calling `done` ends Fastify's lifecycle for the request; the hijack tells it the raw response is written elsewhere.
    if (!handler(request.raw, reply.raw)) return done();
    reply.hijack();
  };
  const plugin = (instance: FastifyHooksLike, _options: unknown, done: () => void): void => {
    instance.addHook('onRequest', onRequest);
    done();
  };
  return Object.assign(plugin, { [SKIP_OVERRIDE]: true as const });
}
