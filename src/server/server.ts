import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScrapeServerError } from '../errors.js';
import { markNotAppServer, markNotAppTraffic } from '../not-app-traffic.js';
import { acceptsGzip, createAuthenticator, type Authenticator, type EndpointAuth } from './auth.js';
import { GzipBody, gzipChunks, writeChunks, type Chunk } from './body.js';
import { DEFAULT_SEND_TIMEOUT_MILLIS, limitSend } from './send-timeout.js';

export { ScrapeServerError };

// Not `import { createServer } from 'node:http'`: an ES import builds the module's namespace,
// which reads every export, and Node's lazy `http.WebSocket` getter then loads undici: about
// 30 ms of start-up CPU for a client promkit never uses.
const { createServer, Server: HttpServer } = process.getBuiltinModule('node:http');


/**
 * A rendered response body: one string or buffer, or ordered chunks written one by one (large
 * bodies), or chunks still being rendered (the server compresses them as they come).
 */
export interface Rendered {
  readonly status: number;
  readonly contentType: string;
  readonly body: Chunk | readonly Chunk[] | AsyncIterable<Chunk>;
}

/** A {@link Rendered} whose chunks are all there. */
interface Complete {
  readonly status: number;
  readonly contentType: string;
  readonly chunks: readonly Chunk[];
}

/** What a route may read of the request besides its query: the headers that choose a representation. */
export interface RenderRequest {
  /** The `Accept` header (content negotiation), if any. */
  readonly accept?: string | undefined;
}

/** One endpoint: a path and a pure rendering of the shared collection `C`. */
export interface Route<C> {
  readonly path: string;
  /**
   * May be asynchronous, so a large body can be produced in slices that yield to the app.
   * `query` is the request's query string (e.g. `?name=` filters).
   */
  render(collection: C, query: URLSearchParams, request: RenderRequest): Rendered | Promise<Rendered>;
  /**
   * Which body a query asks for: requests with the same variant share one rendering. Default: one
   * body for every query, so parameters the route ignores cannot multiply the rendering work.
   */
  variant?(query: URLSearchParams, request: RenderRequest): string;
  /**
   * Set when the body never depends on the collection (the `/metrics/ui` page): it is served
   * without collecting, with an ETag, so a reload costs a 304. `render` returns the same body,
   * for a server that does not know this field. Called once, on the first request for the path.
   */
  readonly static?: () => StaticBody;
  /**
   * Also accept the bearer token as `?token=`: a browser cannot send an `Authorization` header
   * when it navigates to a page. Only for pages whose body carries no data.
   */
  readonly tokenInQuery?: boolean;
}

/** A fixed body, served as is by {@link ScrapeServer}. */
export interface StaticBody {
  readonly contentType: string;
  readonly body: string;
  /** Extra response headers, e.g. a `Content-Security-Policy`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A static body's validator and its gzip, computed once per server. */
interface StaticEntry {
  readonly page: StaticBody;
  readonly etag: string;
  gzipped?: Promise<Buffer>;
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

export interface ScrapeHandlerOptions<C> {
  /** The main (Prometheus) path; the other routes' paths are below it. */
  readonly endpoint: string;
  /** Produces one collection within `timeoutMillis`; the handler runs at most one at a time. */
  readonly collect: (options: CollectOptions) => Promise<C>;
  /** The collection deadline when a request does not send Prometheus's timeout header; default 5000. */
  readonly collectTimeoutMillis?: number;
  readonly routes: readonly Route<C>[];
  /** Credentials every route requires; default none. */
  readonly auth?: EndpointAuth;
}

/**
 * Where the scrape server listens, and the requests it answers: a {@link ScrapeHandler} shared
 * with the app's own port, or the options to make one of its own.
 */
export type ScrapeServerOptions<C> = {
  readonly host: string;
  readonly port: number;
  /** The longest one response may take, from its request's arrival (see `send-timeout.ts`); default {@link DEFAULT_SEND_TIMEOUT_MILLIS}. */
  readonly sendTimeoutMillis?: number;
  /** Told each time a response was cut off by the send timeout (to warn). */
  readonly onSendTimeout?: () => void;
} & ({ readonly handler: ScrapeHandler<C> } | ScrapeHandlerOptions<C>);


/**
 * One collection shared by every request that arrived while it was collected or rendered, with
 * each route's body (and its gzip) rendered once for all of them.
 */
interface Shared<C> {
  readonly collection: Promise<C>;
  readonly rendered: Map<string, Promise<Complete>>;
  readonly gzipped: Map<string, Promise<Buffer>>;
  /** Requests waiting for the collection or a body; the share closes when none is left. */
  users: number;
}

/**
 * The scrape port: a `node:http` server of promkit's own (the upstream exporter's server is never
 * started) so that port 0 and the bound address are promkit's to define. Every request it
 * receives goes to its {@link ScrapeHandler}, which may be shared with the app's own server.
 */
export class ScrapeServer<C> {
  readonly #options: ScrapeServerOptions<C>;
  readonly #handler: ScrapeHandler<C>;
  readonly #server: Server;
  /** Cached once bound: `server.address()` is a system call, and the port is read per app request. */
  #port: number | undefined;
  #sendTimeouts = 0;

  constructor(options: ScrapeServerOptions<C>) {
    this.#options = options;
    this.#handler = 'handler' in options ? options.handler : new ScrapeHandler(options);
    const sendTimeout = options.sendTimeoutMillis ?? DEFAULT_SEND_TIMEOUT_MILLIS;
    const onSendTimeout = () => {
      this.#sendTimeouts++;
      options.onSendTimeout?.();
    };
    this.#server = createServer((request, response) => {
      limitSend(request, response, sendTimeout, SCRAPE_TIMEOUT_HEADER, onSendTimeout);
      this.#handler.serve(request, response);
    });
    // Scrapes are not the app's requests: the HTTP server metrics leave this server out.
    markNotAppServer(this.#server);
    // An app's instrumentation-http wraps Server.prototype.emit to count every request as app
    // traffic; scrapes are not, so this server emits through the unwrapped method.
    const emit = HttpServer.prototype.emit as Server['emit'] & { __original?: Server['emit'] };
    this.#server.emit = emit.__original ?? emit;
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
    return `http://${host}:${port}${this.#handler.endpoint}`;
  }

  /** Requests waiting for a collection or its rendered body right now (for diagnostics and tests). */
  get waiting(): number {
    return this.#handler.waiting;
  }

  /** Responses cut off by the send timeout since the server started. */
  get sendTimeouts(): number {
    return this.#sendTimeouts;
  }

  close(): Promise<void> {
    this.#port = undefined;
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }
}

/**
 * promkit's scrape endpoints (`/metrics`, `/metrics/json`, `/metrics/health`) as request handling
 * that owns no server: the {@link ScrapeServer} hands it every request to its port, and the app's
 * own server the requests for the endpoints' paths there ({@link ScrapeHandler.serveRoute}). A
 * slow or repeated client cannot pile up work on the app's event loop: requests that arrive while
 * a collection runs, or while its bodies are being rendered, share it and its rendered (and
 * compressed) bodies, whichever server they came through. Sending is not waited for, so a slow
 * reader never keeps others on an old collection. A collection gets the deadline of the request
 * that started it ({@link collectionDeadlineMillis}).
 */
export class ScrapeHandler<C> {
  readonly #options: ScrapeHandlerOptions<C>;
  readonly #routes: ReadonlyMap<string, Route<C>>;
  readonly #auth: Authenticator | undefined;
  readonly #statics = new Map<Route<C>, StaticEntry>();
  #shared: Shared<C> | undefined;
  #waiting = 0;

  constructor(options: ScrapeHandlerOptions<C>) {
    this.#options = options;
    this.#routes = new Map(options.routes.map((route) => [route.path, route]));
    this.#auth = createAuthenticator(options.auth ?? { kind: 'none' });
  }

  /** A static route's body and validator, made on its first request (hashing loads `node:crypto`). */
  #staticEntry(route: Route<C>): StaticEntry | undefined {
    if (route.static === undefined) return undefined;
    let entry = this.#statics.get(route);
    if (entry === undefined) {
      const page = route.static();
      // Weak: the gzip and identity encodings of the page share one validator.
      const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(page.body).digest('base64url');
      entry = { page, etag: `W/"${hash.slice(0, 27)}"` };
      this.#statics.set(route, entry);
    }
    return entry;
  }

  /** The main (Prometheus) path. */
  get endpoint(): string {
    return this.#options.endpoint;
  }

  /** Requests waiting for a collection or its rendered body right now (for diagnostics and tests). */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * The whole handling of a scrape port. Authentication, when configured, is checked before
   * anything else, so an unauthenticated client learns nothing, not even which paths exist.
   */
  serve(request: IncomingMessage, response: ServerResponse): void {
    const { path, search } = splitUrl(request.url);
    const route = this.#routes.get(path);
    if (!this.#authenticated(request, response, route, search)) return;
    if (route === undefined) {
      respond(request, response, 404, `Not found. Metrics are at ${this.#options.endpoint}\n`);
      return;
    }
    this.#answer(route, search, request, response);
  }

  /**
   * The routes moved from under the configured endpoint to under `endpoint` (`/metrics/json` →
   * `/internal/metrics/json`), keyed by path, for {@link serveRoute}. They still share
   * collections and rendered bodies with the configured paths.
   */
  routesAt(endpoint: string): ReadonlyMap<string, Route<C>> {
    const from = this.#options.endpoint.replace(/\/+$/, '');
    const to = endpoint.replace(/\/+$/, '');
    const moved = new Map<string, Route<C>>();
    for (const route of this.#options.routes) {
      if (route.path === this.#options.endpoint) moved.set(endpoint, route);
      else if (route.path.startsWith(`${from}/`)) moved.set(`${to}${route.path.slice(from.length)}`, route);
    }
    return moved;
  }

  /**
   * Answers `request` when its path is one of `routes` (from {@link routesAt}) and returns true,
   * having marked it as no app traffic for the HTTP server metrics; otherwise returns false and
   * leaves it untouched. The path is matched before authentication: on the app's own server the
   * paths are no secret, and every other path belongs to the app.
   */
  serveRoute(routes: ReadonlyMap<string, Route<C>>, request: IncomingMessage, response: ServerResponse): boolean {
    // Runs for every request of the app: no allocation but the path, until it is one of ours.
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const route = routes.get(queryStart === -1 ? url : url.slice(0, queryStart));
    if (route === undefined) return false;
    markNotAppTraffic(request, response);
    const search = queryStart === -1 ? '' : url.slice(queryStart);
    if (this.#authenticated(request, response, route, search)) this.#answer(route, search, request, response);
    return true;
  }

  /** False, with a 401 sent, when credentials are configured and the request lacks them. */
  #authenticated(request: IncomingMessage, response: ServerResponse, route: Route<C> | undefined, search: string): boolean {
    if (this.#auth === undefined || this.#auth.accepts(credentials(request, route, search))) return true;
    response.setHeader('WWW-Authenticate', this.#auth.challenge);
    respond(request, response, 401, 'Unauthorized.\n');
    return false;
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

  #answer(route: Route<C>, search: string, request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      respond(request, response, 405, 'Method not allowed; use GET or HEAD.\n');
      return;
    }
    const fixed = this.#staticEntry(route);
    if (fixed !== undefined) {
      this.#sendStatic(request, response, fixed).catch(() => response.destroy());
      return;
    }
    const shared = this.#join(request);
    shared.collection
      .then(async (collection) => {
        const query = new URLSearchParams(search);
        const renderRequest: RenderRequest = { accept: request.headers.accept };
        // Requests share a rendered body per path and variant (names, format), never per raw query string.
        const key = `${route.path}?${route.variant?.(query, renderRequest) ?? ''}`;
        let rendered = shared.rendered.get(key);
        if (rendered === undefined) {
          // The first asker's encoding decides: a gzip request has the chunks compressed while
          // later ones render; an identity request leaves gzip to whoever asks for it later.
          const gzip = acceptsGzip(request.headers['accept-encoding']) ? new GzipBody() : undefined;
          if (gzip !== undefined) shared.gzipped.set(key, gzip.result);
          rendered = complete(() => route.render(collection, query, renderRequest), gzip);
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

  /** A static body: no collection; a 304 when the client has it, else the body (gzip once per server). */
  async #sendStatic(request: IncomingMessage, response: ServerResponse, entry: StaticEntry): Promise<void> {
    const headers: Record<string, string | number> = {
      ...entry.page.headers,
      // Revalidated on every load, so a new promkit version is picked up; a match costs a 304.
      'Cache-Control': 'private, no-cache',
      ETag: entry.etag,
      Vary: 'Accept-Encoding',
    };
    if (matchesEtag(request.headers['if-none-match'], entry.etag)) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    headers['Content-Type'] = entry.page.contentType;
    let body: string | Buffer = entry.page.body;
    if (acceptsGzip(request.headers['accept-encoding'])) {
      body = await (entry.gzipped ??= gzipChunks([entry.page.body]));
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = Buffer.byteLength(body);
    response.writeHead(200, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  async #send(request: IncomingMessage, response: ServerResponse, shared: Shared<C>, key: string, rendered: Complete): Promise<void> {
    const headers: Record<string, string | number> = {
      'Content-Type': rendered.contentType,
      'Cache-Control': 'no-store',
      Vary: 'Accept, Accept-Encoding',
    };
    const chunks = rendered.chunks;
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

/**
 * Renders and gathers the chunks, feeding each to `gzip` (then ending it) as it comes; a failed
 * rendering, even one that throws at once, fails `gzip` too.
 */
async function complete(render: () => Rendered | Promise<Rendered>, gzip: GzipBody | undefined): Promise<Complete> {
  try {
    const { status, contentType, body } = await render();
    let chunks: readonly Chunk[];
    if (typeof body === 'string' || body instanceof Uint8Array) chunks = [body];
    else if (Array.isArray(body)) chunks = body as readonly Chunk[];
    else {
      const gathered: Chunk[] = [];
      for await (const chunk of body as AsyncIterable<Chunk>) {
        gathered.push(chunk);
        await gzip?.write(chunk);
      }
      gzip?.end();
      return { status, contentType, chunks: gathered };
    }
    if (gzip !== undefined) {
      for (const chunk of chunks) await gzip.write(chunk);
      gzip.end();
    }
    return { status, contentType, chunks };
  } catch (error) {
    gzip?.fail(error);
    throw error;
  }
}

/** The request's credentials: its `Authorization` header, or a route's `?token=` as a bearer token. */
function credentials<C>(request: IncomingMessage, route: Route<C> | undefined, search: string): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined || route?.tokenInQuery !== true) return header;
  const token = new URLSearchParams(search).get('token');
  return token === null ? undefined : `Bearer ${token}`;
}

/** Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag.trim()) === opaque(etag));
}

function respond(request: IncomingMessage, response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/** The path and the query (with its `?`) of a request target. */
function splitUrl(url = '/'): { readonly path: string; readonly search: string } {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? { path: url, search: '' } : { path: url.slice(0, queryStart), search: url.slice(queryStart) };
}
