import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFacade } from '../src/facade/http.js';
import { explicitRouteOf } from '../src/facade/route.js';
import type { BoundUpDownCounter } from '../src/facade/types.js';

/** Express (and routers modelled on it) leave the matched layer on the request. */
type ExpressLike = IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };

export interface HttpServerInstrumentationOptions {
  readonly http: HttpFacade;
  /** Requests for which this returns true are not recorded (the scrape endpoint's own). */
  readonly ignore: (request: IncomingMessage) => boolean;
}

interface Pending {
  readonly start: number;
  readonly request: IncomingMessage;
  readonly active: BoundUpDownCounter;
}

const START_CHANNEL = 'http.server.request.start';

/**
 * Records `http.server.request.duration` and `http.server.active_requests` for every `node:http`
 * and `node:https` server from Node's built-in `diagnostics_channel` events: no monkey-patching,
 * no loader hook, no per-request context, so it works the same for CommonJS and ESM apps and
 * costs one channel message and one `close` listener per request. `http.route` comes from
 * {@link setRoute}, Express's matched route, or the facade's route normaliser, never the raw path.
 * A response whose connection closed before it finished is recorded with `error.type="aborted"`,
 * and without `http.response.status_code` when not even the status line was sent.
 */
export function instrumentHttpServer(options: HttpServerInstrumentationOptions): () => void {
  const pending = new WeakMap<ServerResponse, Pending>();

  function onClose(this: ServerResponse): void {
    const entry = pending.get(this);
    if (entry === undefined) return;
    pending.delete(this);
    entry.active.add(-1);
    const { request } = entry;
    const finished = this.writableFinished;
    const route = routeOf(request);
    options.http.recordServerRequest({
      method: request.method ?? 'GET',
      // Before writeHead, statusCode is only Node's default 200: no status was sent, so none is recorded.
      ...(this.headersSent && { statusCode: this.statusCode }),
      durationS: (performance.now() - entry.start) / 1000,
      scheme: schemeOf(request),
      protocolVersion: protocolOf(request),
      // The facade's normaliser turns either into a bounded template (a 404 path into the unmatched route).
      ...(route !== undefined ? { route } : { path: request.url ?? '/' }),
      ...(!finished && { errorType: 'aborted' }),
    });
  }

  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (options.ignore(request)) return;
    const active = options.http.activeRequests(request.method ?? 'GET', schemeOf(request));
    active.add(1);
    pending.set(response, { start: performance.now(), request, active });
    response.once('close', onClose);
  };

  diagnosticsChannel.subscribe(START_CHANNEL, onStart);
  return () => diagnosticsChannel.unsubscribe(START_CHANNEL, onStart);
}

function routeOf(request: IncomingMessage): string | undefined {
  const explicit = explicitRouteOf(request);
  if (explicit !== undefined) return explicit;
  const express = request as ExpressLike;
  const path = express.route?.path;
  if (typeof path === 'string') return `${typeof express.baseUrl === 'string' ? express.baseUrl : ''}${path}`;
  return undefined;
}

function schemeOf(request: IncomingMessage): string {
  return (request.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
}

/** Semconv spells HTTP/2 as "2", not Node's "2.0". */
function protocolOf(request: IncomingMessage): string {
  const version = request.httpVersion;
  return version === '2.0' ? '2' : version;
}
