/**
 * A request that got no response (the handler threw or hung, then the connection closed) has no
 * status code: semconv says to leave `http.response.status_code` out, not to report Node's
 * default 200.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { instrumentHttpServer } from '../../../instrumentation/http-server.js';
import { createHttpFacade } from '../../../src/facade/http/http.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics | undefined;
let server: Server | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await t?.shutdown();
});

test('a request answered with nothing before its connection closed is exported without a status code, error_type="aborted"', async () => {
  t = createTestMetrics();
  stop = instrumentHttpServer({ http: createHttpFacade(t.core), ignore: () => false });
  let closed!: () => void;
  const recorded = new Promise<void>((resolve) => (closed = resolve));
  let arrived!: () => void;
  const inHandler = new Promise<void>((resolve) => (arrived = resolve));
  server = createServer((_request, response) => {
    response.on('close', () => setImmediate(closed));
    // The handler failed before writing anything (its error was swallowed), so no response is ever sent.
    try {
      throw new Error('handler failed');
    } catch {
      arrived();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  const req = httpRequest({ host: '127.0.0.1', port, path: '/orders/42' });
  req.on('error', () => undefined); // the client gives up: "socket hang up" is expected
  req.end();
  await inHandler;
  req.destroy();
  await recorded;

  const labels = {
    'http.request.method': 'GET',
    'http.route': '/orders/:id',
    'url.scheme': 'http',
    'network.protocol.version': '1.1',
    'error.type': 'aborted',
  };
  expect((await t.getHistogram('http.server.request.duration', labels))?.count).toBe(1);
  expect((await t.getHistogram('http.server.request.duration', { ...labels, 'http.response.status_code': 200 }))?.count).toBeUndefined();
  const counts = parsePrometheusText(await t.scrapeText()).samples.filter((s) => s.name === 'http_server_request_duration_seconds_count');
  expect(counts).toEqual([
    {
      name: 'http_server_request_duration_seconds_count',
      labels: { http_request_method: 'GET', http_route: '/orders/:id', url_scheme: 'http', network_protocol_version: '1.1', error_type: 'aborted' },
      value: 1,
    },
  ]);
});
