import diagnosticsChannel from 'node:diagnostics_channel';
import { errorTypeOf } from '../src/facade/error-type.js';
import type { ClientRequest } from '../src/facade/http/http.js';

interface UndiciRequest {
  readonly origin?: string | URL;
  readonly method?: string;
}

const CREATE = 'undici:request:create';
const HEADERS = 'undici:request:headers';
const ERROR = 'undici:request:error';

/**
 * Records `http.client.request.duration` for Node's global `fetch` (undici), which
 * `instrumentation-http` cannot see, from undici's `diagnostics_channel` events. The duration
 * ends when the response headers arrive (or the request fails): a body the caller never reads
 * must not lose the measurement, and streamed bodies (LLM responses) are timed by the GenAI
 * metrics instead. Returns a function that unsubscribes.
 */
export function instrumentFetch(record: (request: ClientRequest) => void): () => void {
  const started = new WeakMap<object, number>();

  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    started.set(request, performance.now());
  };
  const finish = (request: UndiciRequest, statusCode: number | undefined, errorType: string | undefined) => {
    const start = started.get(request);
    if (start === undefined) return;
    started.delete(request);
    const origin = parseOrigin(request.origin);
    record({
      method: request.method ?? 'GET',
      serverAddress: origin.hostname,
      ...(origin.port !== undefined && { serverPort: origin.port }),
      ...(statusCode !== undefined && { statusCode }),
      durationS: (performance.now() - start) / 1000,
      ...(errorType !== undefined && { errorType }),
    });
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    finish(request, response.statusCode, undefined);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: UndiciRequest; error: unknown };
    finish(request, undefined, errorTypeOf(error));
  };

  diagnosticsChannel.subscribe(CREATE, onCreate);
  diagnosticsChannel.subscribe(HEADERS, onHeaders);
  diagnosticsChannel.subscribe(ERROR, onError);
  return () => {
    diagnosticsChannel.unsubscribe(CREATE, onCreate);
    diagnosticsChannel.unsubscribe(HEADERS, onHeaders);
    diagnosticsChannel.unsubscribe(ERROR, onError);
  };
}

function parseOrigin(origin: string | URL | undefined): { hostname: string; port?: number } {
  try {
    const url = typeof origin === 'string' ? new URL(origin) : origin;
    if (!url) return { hostname: 'unknown' };
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { hostname: url.hostname, port };
  } catch {
    return { hostname: 'unknown' };
  }
}
