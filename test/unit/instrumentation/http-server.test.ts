import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { instrumentHttpServer } from '../../../instrumentation/http-server.js';
import { setRoute } from '../../../src/facade/http/route.js';
import { createHttpFacade } from '../../../src/facade/http/http.js';
import { markRoutedServer, UNMATCHED_ROUTE } from '../../../src/facade/http/route.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
let server: Server | undefined;
let stop: (() => void) | undefined;

afterEach(async () => {
  stop?.();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await t.shutdown();
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void, ignore = () => false): Promise<number> {
  t = createTestMetrics();
  stop = instrumentHttpServer({ http: createHttpFacade(t.core), ignore });
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return (server!.address() as AddressInfo).port;
}

async function get(port: number, path: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  await response.text();
  return response.status;
}

const route = (r: string, status: number) => ({
  'http.request.method': 'GET',
  'http.response.status_code': status,
  'http.route': r,
  'url.scheme': 'http',
  'network.protocol.version': '1.1',
});

describe('HTTP server metrics from diagnostics_channel', () => {
  test('normalises raw paths into route templates and collapses 404s into one route', async () => {
    const port = await serve((request, response) => {
      response.statusCode = request.url!.startsWith('/users/') ? 200 : 404;
      response.end();
    });
    for (const path of ['/users/42', '/users/7?expand=1', '/users/550e8400-e29b-41d4-a716-446655440000']) expect(await get(port, path)).toBe(200);
    expect(await get(port, '/wp-admin.php')).toBe(404);
    expect(await get(port, '/.env')).toBe(404);
    expect((await t.getHistogram('http.server.request.duration', route('/users/:id', 200)))?.count).toBe(3);
    expect((await t.getHistogram('http.server.request.duration', route(UNMATCHED_ROUTE, 404)))?.count).toBe(2);
  });

  test('takes the template given with setRoute', async () => {
    const port = await serve((request, response) => {
      setRoute(request, '/orders/:orderId');
      response.end('ok');
    });
    await get(port, '/orders/abc-def');
    expect((await t.getHistogram('http.server.request.duration', route('/orders/:orderId', 200)))?.count).toBe(1);
  });

  test("reads an Express-style matched route (baseUrl + route.path)", async () => {
    const port = await serve((request, response) => {
      Object.assign(request, { baseUrl: '/api', route: { path: '/items/:sku' } });
      response.end('ok');
    });
    await get(port, '/api/items/XYZ-1');
    expect((await t.getHistogram('http.server.request.duration', route('/api/items/:sku', 200)))?.count).toBe(1);
  });

  test('keeps an Express mount path that was restored when an error left the nested router', async () => {
    const port = await serve((request, response) => {
      // What Express leaves after a thrown error: the sub-router's route, the parent's baseUrl.
      Object.assign(request, { baseUrl: '', originalUrl: request.url, route: { path: '/items/:sku' } });
      response.statusCode = 500;
      response.end();
    });
    await get(port, '/api/items/XYZ-1?x=1');
    expect((await t.getHistogram('http.server.request.duration', { ...route('/api/items/:sku', 500), 'error.type': '500' }))?.count).toBe(1);
  });

  test('an Express request that matched no route is the unmatched route even when answered 200', async () => {
    const port = await serve((request, response) => {
      Object.assign(request, { app: { handle: () => undefined } });
      response.end('static file');
    });
    await get(port, '/assets/app-3f9c2.js');
    await get(port, '/assets/app-77ab1.js');
    expect((await t.getHistogram('http.server.request.duration', route(UNMATCHED_ROUTE, 200)))?.count).toBe(2);
  });

  test("a router's server (markRoutedServer) gives the unmatched route to requests without a template", async () => {
    const port = await serve((_request, response) => response.end('fallback'));
    markRoutedServer(server!);
    await get(port, '/some/page-slug');
    expect((await t.getHistogram('http.server.request.duration', route(UNMATCHED_ROUTE, 200)))?.count).toBe(1);
  });

  test('records 5xx responses with error.type set to the status code', async () => {
    const port = await serve((_request, response) => {
      response.statusCode = 503;
      response.end();
    });
    await get(port, '/health');
    expect((await t.getHistogram('http.server.request.duration', { ...route('/health', 503), 'error.type': '503' }))?.count).toBe(1);
  });

  test('records a response whose client went away as error.type="aborted"', async () => {
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const port = await serve((_request, response) => {
      response.on('close', () => setImmediate(closed));
      response.write('partial'); // never ended: the client aborts
    });
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/slow' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await done;
    expect((await t.getHistogram('http.server.request.duration', { ...route('/slow', 200), 'error.type': 'aborted' }))?.count).toBe(1);
  });

  test('counts in-flight requests and returns to zero when they finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inside = new Promise<void>((resolve) => (arrived = resolve));
    const port = await serve(async (_request, response) => {
      arrived();
      await gate;
      response.end();
    });
    const pending = get(port, '/work');
    await inside;
    expect(await t.getValue('http.server.active_requests', { 'http.request.method': 'GET', 'url.scheme': 'http' })).toBe(1);
    release();
    await pending;
    expect(await t.getValue('http.server.active_requests', { 'http.request.method': 'GET', 'url.scheme': 'http' })).toBe(0);
  });

  test('skips requests the ignore hook rejects', async () => {
    const port = await serve((_request, response) => response.end(), () => true);
    await get(port, '/metrics');
    expect(await t.getHistogram('http.server.request.duration', route('/metrics', 200))).toBeUndefined();
  });

  test('stops recording once unsubscribed', async () => {
    const port = await serve((_request, response) => response.end());
    stop!();
    stop = undefined;
    await get(port, '/');
    expect(await t.getHistogram('http.server.request.duration', route('/', 200))).toBeUndefined();
  });
});
