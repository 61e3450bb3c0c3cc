import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest as NodeClientRequest, IncomingMessage } from 'node:http';
import { errorTypeOf } from '../src/facade/error-type.js';
import type { ClientRequest } from '../src/facade/http/http.js';

const CREATED = 'http.client.request.created';
const RESPONSE = 'http.client.response.finish';
const ERROR = 'http.client.request.error';

/**
 * Records `http.client.request.duration` for every `node:http` and `node:https` request from
 * Node's built-in `diagnostics_channel` events (`http.client.request.created`,
 * `http.client.response.finish`, `http.client.request.error`): no patching and no loader hook, so
 * CommonJS and ESM apps are counted the same, exactly once per request. As for `fetch`, the
 * duration ends when the response headers arrive (Node publishes `response.finish` then) or when
 * the request fails; a failure is recorded once, with `error.type` from `errorTypeOf`
 * (`ECONNREFUSED`, `ENOTFOUND`). Returns a function that unsubscribes.
 */
export function instrumentHttpClient(record: (request: ClientRequest) => void): () => void {
  const started = new WeakMap<NodeClientRequest, number>();

  const finish = (request: NodeClientRequest, statusCode: number | undefined, errorType: string | undefined) => {
    const start = started.get(request);
    // Unknown: created before promkit started, or already recorded (an error after the response).
    if (start === undefined) return;
    started.delete(request);
    const port = portOf(request);
    record({
      method: request.method,
      serverAddress: request.host,
      ...(port !== undefined && { serverPort: port }),
      ...(statusCode !== undefined && { statusCode }),
      durationS: (performance.now() - start) / 1000,
      ...(errorType !== undefined && { errorType }),
    });
  };
  const onCreated = (message: unknown) => {
    started.set((message as { request: NodeClientRequest }).request, performance.now());
  };
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: NodeClientRequest; response: IncomingMessage };
    finish(request, response.statusCode, undefined);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: NodeClientRequest; error: unknown };
    finish(request, undefined, errorTypeOf(error));
  };

  diagnosticsChannel.subscribe(CREATED, onCreated);
  diagnosticsChannel.subscribe(RESPONSE, onResponse);
  diagnosticsChannel.subscribe(ERROR, onError);
  return () => {
    diagnosticsChannel.unsubscribe(CREATED, onCreated);
    diagnosticsChannel.unsubscribe(RESPONSE, onResponse);
    diagnosticsChannel.unsubscribe(ERROR, onError);
  };
}

/**
 * The port the request targets: from its `Host` header (Node writes `host:port` unless the port is
 * the protocol's default), else the protocol's default port.
 */
function portOf(request: NodeClientRequest): number | undefined {
  const host = request.getHeader('host');
  if (typeof host === 'string') {
    const match = /:(\d+)$/.exec(host);
    if (match !== null) return Number(match[1]);
  }
  return request.protocol === 'https:' ? 443 : request.protocol === 'http:' ? 80 : undefined;
}
