/**
 * promkit's endpoints on the app's own port, through each real framework: answered from the same
 * handler as the scrape port (authentication, gzip, `?name=`), and never counted as app traffic.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, test } from 'vitest';
import { promkitFastifyMetrics } from '../../../instrumentation/fastify.js';
import { promkitHonoMetrics } from '../../../instrumentation/hono.js';
import { promkitKoaMetrics } from '../../../instrumentation/koa.js';
import { METRICS_SNAPSHOT_SCHEMA } from '../../../src/exposition/json.js';
import { metricsHandler } from '../../../src/server/app-handler.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { createManualClock } from '../../../src/testing/clock.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

// Express and Koa ship no types; the tests describe the few members they use.
const require = createRequire(import.meta.url);
type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const express = require('express') as () => RequestListener & {
  use(middleware: Middleware): void;
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse & { send(body: string): void }) => void): void;
};
const Koa = require('koa') as new () => {
  use(middleware: (ctx: { path: string; body: unknown; req: IncomingMessage; res: ServerResponse }, next: () => Promise<unknown>) => unknown): void;
  callback(): RequestListener;
};

const TOKEN = 'app-port-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let handle: PromkitHandle | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await handle?.shutdown();
  handle = undefined;
});

/** promkit with the automatic HTTP server metrics on, a token, and the scrape port as asked. */
async function startPromkit(scrapeServer = true): Promise<PromkitHandle> {
  handle = await start({
    host: '127.0.0.1',
    port: 0,
    scrapeServer,
    authToken: TOKEN,
    instrumentFetch: false,
    runtimeMetrics: false,
    health: { clock: createManualClock(0) },
  });
  return handle;
}

/**
 * Serves the app on a free loopback port; `settled()` resolves once every response so far has
 * closed on the server side, so the HTTP server metrics (whose close listener was added first,
 * at the request's start) have seen all of them.
 */
async function serveApp(server: Server, listen = true): Promise<{ port: number; settled: () => Promise<void> }> {
  let open = 0;
  let waiters: Array<() => void> = [];
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    open++;
    response.once('close', () => {
      if (--open === 0) for (const resolve of waiters.splice(0)) resolve();
    });
  });
  if (listen) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: (server.address() as AddressInfo).port,
    settled: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A GET with the body as sent (never decompressed). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of every series of `name`, summed. */
function total(text: string, name: string): number {
  return parsePrometheusText(text)
    .samples.filter((sample) => sample.name === name)
    .reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * Three app requests and, between them, the three endpoints (one unauthenticated, one gzipped):
 * every endpoint answers as on the scrape port, and only the three app requests are counted.
 */
async function checkAppPort(app: { port: number; settled: () => Promise<void> }, prefix = ''): Promise<void> {
  // The default facade's HTTP series live as long as the process, across start() and shutdown():
  // what counts is what this app adds.
  const before = total(await handle!.scrape(), 'http_server_request_duration_seconds_count');
  expect((await get(app.port, '/hello')).body.toString()).toBe('hello');

  const refused = await get(app.port, `${prefix}/metrics`);
  expect([refused.status, refused.headers['www-authenticate']]).toEqual([401, 'Bearer realm="promkit"']);

  expect((await get(app.port, '/hello')).status).toBe(200);

  const zipped = await get(app.port, `${prefix}/metrics`, { ...AUTH, 'accept-encoding': 'gzip' });
  expect([zipped.status, zipped.headers['content-encoding'], zipped.headers['content-type']]).toEqual([200, 'gzip', 'text/plain; version=0.0.4; charset=utf-8']);
  expect(parsePrometheusText(gunzipSync(zipped.body).toString()).families.has('target_info')).toBe(true);

  const json = await get(app.port, `${prefix}/metrics/json`, AUTH);
  expect([json.status, (JSON.parse(json.body.toString()) as { schema: string }).schema]).toEqual([200, METRICS_SNAPSHOT_SCHEMA]);
  const health = await get(app.port, `${prefix}/metrics/health`, AUTH);
  expect([health.status, (JSON.parse(health.body.toString()) as { status: string }).status]).toEqual([200, 'green']);

  expect((await get(app.port, '/hello')).status).toBe(200);
  await app.settled();

  // Read through the app's port too: the scrape serving this must not count itself as in flight.
  const inFlight = await get(app.port, `${prefix}/metrics?name=http.server.active_requests`, AUTH);
  expect(parsePrometheusText(inFlight.body.toString()).samples.map((s) => [s.name, s.value])).toEqual([['http_server_active_requests', 0]]);
  await app.settled();

  const text = await handle!.scrape();
  expect(total(text, 'http_server_request_duration_seconds_count') - before).toBe(3);
  expect(total(text, 'http_server_active_requests')).toBe(0);
}

describe('metrics on the app port', () => {
  test('plain node:http, with no scrape port at all: the handler answers its paths and the app the rest', async () => {
    const promkit = await startPromkit(false);
    expect([promkit.port, promkit.url]).toEqual([undefined, undefined]);
    const metrics = promkit.metricsHandler();
    const app = await serveApp(createServer((req, res) => metrics(req, res) || res.end('hello')));
    await checkAppPort(app);
  });

  test('Express 5: the handler is the middleware, here mounted under a prefix', async () => {
    const promkit = await startPromkit();
    const app = express();
    app.use(promkit.metricsHandler({ prefix: '/internal' }));
    app.get('/hello', (_req, res) => res.send('hello'));
    await checkAppPort(await serveApp(createServer(app)), '/internal');
  });

  test('Fastify 5: the plug-in hijacks the endpoints from an onRequest hook', async () => {
    await startPromkit();
    const app = Fastify();
    await app.register(promkitFastifyMetrics());
    app.get('/hello', async () => 'hello');
    await app.ready();
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    await checkAppPort(await serveApp(app.server, false));
  });

  test('Koa 3: the middleware answers and tells Koa not to respond', async () => {
    await startPromkit();
    const app = new Koa();
    app.use(promkitKoaMetrics());
    app.use(async (ctx, next) => {
      if (ctx.path !== '/hello') return next();
      ctx.body = 'hello';
      return undefined;
    });
    await checkAppPort(await serveApp(createServer(app.callback())));
  });

  test('Hono on @hono/node-server: the middleware writes the Node response and returns the already-sent marker', async () => {
    await startPromkit();
    const app = new Hono();
    app.use(promkitHonoMetrics());
    app.get('/hello', (c) => c.text('hello'));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    await checkAppPort(await serveApp(server, false));
  });
});

describe('the handler without a running promkit', () => {
  test('hands every request on, and answers once a promkit runs', async () => {
    const metrics = metricsHandler();
    const app = await serveApp(createServer((req, res) => metrics(req, res, () => res.writeHead(404).end('app 404'))));
    expect((await get(app.port, '/metrics')).body.toString()).toBe('app 404');
    await startPromkit(false);
    expect((await get(app.port, '/metrics', AUTH)).status).toBe(200);
    await handle!.shutdown();
    expect((await get(app.port, '/metrics', AUTH)).body.toString()).toBe('app 404');
  });
});
