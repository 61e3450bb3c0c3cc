import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PromkitError } from '../errors.js';

/** The Prometheus text exposition format 0.0.4 content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Produces one scrape body; the server calls it at most once at a time. */
export type ScrapeSource = () => Promise<string>;

export interface ScrapeServerOptions {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly scrape: ScrapeSource;
}

/** The scrape port could not be bound; the message says which variable to set. */
export class ScrapeServerError extends PromkitError {
  override readonly name = 'ScrapeServerError';
}

/**
 * promkit's scrape endpoint. It owns its `node:http` server (the upstream exporter's server is
 * never started) so that port 0, the bound address and request handling are promkit's to
 * define. Concurrent scrapes share one collection: a slow or repeated client cannot pile up
 * serialisation work on the app's event loop.
 */
export class ScrapeServer {
  readonly #options: ScrapeServerOptions;
  readonly #server: Server;
  #inFlight: Promise<string> | undefined;

  constructor(options: ScrapeServerOptions) {
    this.#options = options;
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
        resolve();
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen(port, host);
    });
  }

  /** The port actually bound (useful with port 0), or undefined before `listen()` resolved. */
  get port(): number | undefined {
    const address = this.#server.address() as AddressInfo | null;
    return address?.port;
  }

  /** The scrape URL, e.g. `http://localhost:9464/metrics`. */
  get url(): string | undefined {
    const port = this.port;
    if (port === undefined) return undefined;
    const host = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${port}${this.#options.endpoint}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  #collect(): Promise<string> {
    this.#inFlight ??= this.#options.scrape().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== this.#options.endpoint) {
      respond(response, 404, `Not found. Metrics are at ${this.#options.endpoint}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      respond(response, 405, 'Method not allowed; use GET or HEAD.\n');
      return;
    }
    this.#collect().then(
      (body) => {
        response.writeHead(200, {
          'Content-Type': PROMETHEUS_CONTENT_TYPE,
          'Content-Length': Buffer.byteLength(body),
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        respond(response, 500, `Collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  }
}

function respond(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
