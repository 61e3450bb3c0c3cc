import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { isNotAppServer, markNotAppServer } from '../../../src/not-app-traffic.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
let app: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
  app = undefined;
  await handle?.shutdown();
  handle = undefined;
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': 'identity' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function total(text: string, name: string): number {
  return parsePrometheusText(text)
    .samples.filter((sample) => sample.name === name)
    .reduce((sum, sample) => sum + sample.value, 0);
}

test('a marked server is no app traffic; anything else is', () => {
  const marked = createServer();
  markNotAppServer(marked);
  expect([isNotAppServer(marked), isNotAppServer(createServer()), isNotAppServer({}), isNotAppServer(undefined)]).toEqual([true, false, false, false]);
});

test('requests to the scrape port are neither recorded nor in flight; the app port next to it is recorded', async () => {
  handle = await start({ host: '127.0.0.1', port: 0, instrumentFetch: false, runtimeMetrics: false });
  const before = total(await handle.scrape(), 'http_server_request_duration_seconds_count');
  app = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
  expect((await get((app.address() as AddressInfo).port, '/hello')).body).toBe('ok');
  // The app request is recorded when its response closes, a tick after the body arrived.
  let added = 0;
  for (let attempt = 0; attempt < 100 && added < 1; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    added = total(await handle.scrape(), 'http_server_request_duration_seconds_count') - before;
  }
  expect(added).toBe(1);

  for (let i = 0; i < 5; i++) expect((await get(handle.port!, '/metrics')).status).toBe(200);
  expect((await get(handle.port!, '/nope')).status).toBe(404);
  // Served by the scrape port while it is in flight: it must not count itself.
  const inFlight = await get(handle.port!, '/metrics?name=http.server.active_requests');
  expect(parsePrometheusText(inFlight.body).samples.map((s) => [s.name, s.value])).toEqual([['http_server_active_requests', 0]]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(total(await handle.scrape(), 'http_server_request_duration_seconds_count') - before).toBe(1);
});
