import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointAuth } from './auth.js';
import { ScrapeServerError } from '../errors.js';

export { ScrapeServerError };
import { acceptsGzip, createAuthenticator, type Authenticator } from './auth.js';
import { gzipChunks, writeChunks } from './body.js';

/** The Prometheus text exposition format 0.0.4 content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A rendered response body: one string, or ordered chunks written one by one (large bodies). */
export interface Rendered {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | readonly string[];
}

/** One endpoint: a path and a pure rendering of the shared collection `C`. */
export interface Route<C> {
  readonly path: string;
  /**
   * May be asynchronous, so a large body can be produced in slices that yield to the app.
   * `query` is the request's query string (e.g. `?name=` filters).
   */
  render(collection: C, query: URLSearchParams): Rendered | Promise<Rendered>;
  /**
   * Which body a query asks for: requests with the same variant share one rendering. Default: one
   * body for every query, so parameters the route ignores cannot multiply the rendering work.
   */
  variant?(query: URLSearchParams): string;
}

/** What one collection is given: the time it may take. */
export interface CollectOptions {
  readonly timeoutMillis: number;
}

/** The request header in which Prometheus sends its `scrape_timeout`, in seconds. */
/** How long a collection may take when the scraper sends no deadline of its own. */
export const DEFAULT_COLLECT_TIMEOUT_MILLIS = 5000;

export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';

/** Time kept back from Prometheus's scrape timeout for rendering and sending the body. */
export const SCRAPE_TIMEOUT_MARGIN_MILLIS = 500;

/**
 * The collection deadline for a request: Prometheus's scrape timeout (header
 * `X-Prometheus-Scrape-Timeout-Seconds`) minus {@link SCRAPE_TIMEOUT_MARGIN_MILLIS}, but never
 * less than half of it (a 1 s timeout leaves 500 ms, 0.6 s leaves 300 ms); `defaultMillis` when
 * the header is absent or not a positive number.
 */
export function collectionDeadlineMillis(header: string | string[] | undefined, defaultMillis: number): number {
  const seconds = typeof header === 'string' && header.trim() !== '' ? Number(header) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return defaultMillis;
  const millis = seconds * 1000;
  return Math.max(millis - SCRAPE_TIMEOUT_MARGIN_MILLIS, millis / 2);
}

export interface ScrapeServerOptions<C> {
  readonly host: string;
  readonly port: number;
  /** The main (Prometheus) path, reported by {@link ScrapeServer.url}. */
  readonly endpoint: string;
  /** Produces one collection within `timeoutMillis`; the server runs at most one at a time. */
  readonly collect: (options: CollectOptions) => Promise<C>;
  /** The collection deadline when a request does not send Prometheus's timeout header; default 5000. */
  readonly collectTimeoutMillis?: number;
  readonly routes: readonly Route<C>[];
  /** Credentials every route requires; default none. */
  readonly auth?: EndpointAuth;
}


/**
 * One collection shared by every request that arrived while it was collected or rendered, with
 * each route's body (and its gzip) rendered once for all of them.
 */
interface Shared<C> {
  readonly collection: Promise<C>;
  readonly rendered: Map<string, Promise<Rendered>>;
  readonly gzipped: Map<string, Promise<Buffer>>;
  /** Requests waiting for the collection or a body; the share closes when none is left. */
  users: number;
}

/**
 * promkit's scrape endpoints (`/metrics`, `/metrics/json`, `/metrics/health`). It owns its
 * `node:http` server (the upstream exporter's server is never started) so that port 0, the bound
 * address and request handling are promkit's to define. A slow or repeated client cannot pile up
 * work on the app's event loop: requests that arrive while a collection runs, or while its bodies
 * are being rendered, share it and its rendered (and compressed) bodies. Sending is not waited
 * for, so a slow reader never keeps others on an old collection. A collection gets the deadline
 * of the request that started it ({@link collectionDeadlineMillis}). Authentication, when
 * configured, is checked before anything else, so an unauthenticated client learns nothing, not
 * even which paths exist.
 */
export class ScrapeServer<C> {
  readonly #options: ScrapeServerOptions<C>;
  readonly #routes: ReadonlyMap<string, Route<C>>;
  readonly #auth: Authenticator | undefined;
  readonly #server: Server;
  #shared: Shared<C> | undefined;
  #waiting = 0;
  /** Cached once bound: `server.address()` is a system call, and the port is read per app request. */
  #port: number | undefined;

  constructor(options: ScrapeServerOptions<C>) {
    this.#options = options;
    this.#routes = new Map(options.routes.map((route) => [route.path, route]));
    this.#auth = createAuthenticator(options.auth ?? { kind: 'none' });
    this.#server = createServer((request, response) => this.#handle(request, response));
    // The scrape server must never keep the app alive on its own.
    this.#server.unref();
  }

  /** Binds the port; rejects with a {@link ScrapeServerError} that says what to change. */
  listen(): Promise<void> {
    const { host, port } = this.#options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.#server.off('listening', onListening);
        const hint =
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (or 0 for any)`
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? `cannot bind host "${host}"; set OTEL_EXPORTER_PROMETHEUS_HOST to an address of this machine`
              : `cannot listen on ${host}:${port} (${error.code ?? error.message})`;
        reject(new ScrapeServerError(hint, { cause: error }));
      };
      const onListening = () => {
        this.#server.off('error', onError);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen(port, host);
    });
  }

  /** The port actually bound (useful with port 0), or undefined before `listen()` resolved. */
  get port(): number | undefined {
    return this.#port;
  }

  /** The address actually bound, e.g. `127.0.0.1` or `::1`. */
  get address(): string | undefined {
    return (this.#server.address() as AddressInfo | null)?.address;
  }

  /** The scrape URL, e.g. `http://localhost:9464/metrics`. */
  get url(): string | undefined {
    const port = this.port;
    if (port === undefined) return undefined;
    const host = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${port}${this.#options.endpoint}`;
  }

  /** Requests waiting for a collection or its rendered body right now (for diagnostics and tests). */
  get waiting(): number {
    return this.#waiting;
  }

  close(): Promise<void> {
    this.#port = undefined;
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  #join(request: IncomingMessage): Shared<C> {
    this.#waiting++;
    if (this.#shared !== undefined) {
      this.#shared.users++;
      return this.#shared;
    }
    const timeoutMillis = collectionDeadlineMillis(request.headers[SCRAPE_TIMEOUT_HEADER], this.#options.collectTimeoutMillis ?? DEFAULT_COLLECT_TIMEOUT_MILLIS);
    // Called inside an async function so that even a synchronous throw becomes a 500, not a hung request.
    const collection = (async () => this.#options.collect({ timeoutMillis }))();
    const shared: Shared<C> = { collection, rendered: new Map(), gzipped: new Map(), users: 1 };
    this.#shared = shared;
    return shared;
  }

  /** A request has its body (or its failure): the share closes with the last one. */
  #leave(shared: Shared<C>): void {
    this.#waiting--;
    if (--shared.users === 0 && this.#shared === shared) this.#shared = undefined;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.#auth !== undefined && !this.#auth.accepts(request.headers.authorization)) {
      response.setHeader('WWW-Authenticate', this.#auth.challenge);
      respond(request, response, 401, 'Unauthorized.\n');
      return;
    }
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const search = queryStart === -1 ? '' : url.slice(queryStart);
    const route = this.#routes.get(path);
    if (route === undefined) {
      respond(request, response, 404, `Not found. Metrics are at ${this.#options.endpoint}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      respond(request, response, 405, 'Method not allowed; use GET or HEAD.\n');
      return;
    }
    const shared = this.#join(request);
    shared.collection
      .then(async (collection) => {
        const query = new URLSearchParams(search);
        // Requests share a rendered body per path and set of names, never per raw query string.
        const key = `${route.path}?${route.variant?.(query) ?? ''}`;
        let rendered = shared.rendered.get(key);
        if (rendered === undefined) {
          rendered = Promise.resolve(route.render(collection, query));
          shared.rendered.set(key, rendered);
        }
        return { key, body: await rendered };
      })
      .finally(() => this.#leave(shared))
      .then(({ key, body }) => this.#send(request, response, shared, key, body))
      .catch((error: unknown) => {
        if (response.headersSent) return void response.destroy();
        respond(request, response, 500, `Collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
  }

  async #send(request: IncomingMessage, response: ServerResponse, shared: Shared<C>, key: string, rendered: Rendered): Promise<void> {
    const headers: Record<string, string | number> = {
      'Content-Type': rendered.contentType,
      'Cache-Control': 'no-store',
      Vary: 'Accept-Encoding',
    };
    const chunks = typeof rendered.body === 'string' ? [rendered.body] : rendered.body;
    if (acceptsGzip(request.headers['accept-encoding'])) {
      let compressed = shared.gzipped.get(key);
      if (compressed === undefined) {
        compressed = gzipChunks(chunks);
        shared.gzipped.set(key, compressed);
      }
      const body = await compressed;
      headers['Content-Encoding'] = 'gzip';
      headers['Content-Length'] = body.length;
      response.writeHead(rendered.status, headers);
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    if (chunks.length === 1) {
      const body = chunks[0] ?? '';
      headers['Content-Length'] = Buffer.byteLength(body);
      response.writeHead(rendered.status, headers);
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    // Many chunks: chunked transfer encoding, so the length need not be counted up front.
    response.writeHead(rendered.status, headers);
    if (request.method === 'HEAD') response.end();
    else await writeChunks(response, chunks);
  }
}

function respond(request: IncomingMessage, response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(request.method === 'HEAD' ? undefined : text);
}
