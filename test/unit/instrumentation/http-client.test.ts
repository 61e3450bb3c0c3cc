import { createServer, get as httpGet, type RequestOptions, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { instrumentFetch } from '../../../instrumentation/fetch.js';
import { instrumentHttpClient } from '../../../instrumentation/http-client.js';
import { createHttpFacade } from '../../../src/facade/http/http.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
let server: Server;
let port: number;
const stops: Array<() => void> = [];

beforeEach(async () => {
  t = createTestMetrics();
  const http = createHttpFacade(t.core);
  stops.push(instrumentHttpClient((request) => http.recordClientRequest(request)));
  stops.push(instrumentFetch((request) => http.recordClientRequest(request)));
  server = createServer((request, response) => {
    response.statusCode = request.url === '/missing' ? 404 : 200;
    response.end('body');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.shutdown();
});

/** A loopback port with nothing listening: bound, read, closed. */
async function refusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const free = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

function get(options: string | RequestOptions): Promise<number | string> {
  return new Promise((resolve) => {
    httpGet(options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.name));
  });
}

const DURATION = 'http.client.request.duration';

describe('HTTP client metrics from diagnostics_channel', () => {
  test('counts each node:http request exactly once, with status, address and port', async () => {
    for (let i = 0; i < 3; i++) expect(await get(`http://127.0.0.1:${port}/items`)).toBe(200);
    expect(await get(`http://127.0.0.1:${port}/missing`)).toBe(404);
    const base = { 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': port };
    expect((await t.getHistogram(DURATION, { ...base, 'http.response.status_code': 200 }))?.count).toBe(3);
    expect((await t.getHistogram(DURATION, { ...base, 'http.response.status_code': 404, 'error.type': '404' }))?.count).toBe(1);
  });

  test('records a refused connection once, with the same error.type for node:http and fetch', async () => {
    const refused = await refusedPort();
    expect(await get(`http://127.0.0.1:${refused}/`)).toBe('ECONNREFUSED');
    await expect(fetch(`http://127.0.0.1:${refused}/`)).rejects.toThrow('fetch failed');
    const labels = { 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': refused, 'error.type': 'ECONNREFUSED' };
    expect((await t.getHistogram(DURATION, labels))?.count).toBe(2);
  });

  test('names a failed DNS lookup by its code (ENOTFOUND), not "Error"', async () => {
    const lookup = (_host: string, _options: unknown, callback: (error: Error) => void) =>
      callback(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }));
    expect(await get({ host: 'nowhere.test', port: 8080, path: '/', lookup: lookup as never })).toBe('ENOTFOUND');
    const labels = { 'http.request.method': 'GET', 'server.address': 'nowhere.test', 'server.port': 8080, 'error.type': 'ENOTFOUND' };
    expect((await t.getHistogram(DURATION, labels))?.count).toBe(1);
  });

  test('stops recording once unsubscribed', async () => {
    for (const stop of stops.splice(0)) stop();
    expect(await get(`http://127.0.0.1:${port}/items`)).toBe(200);
    expect(await t.getHistogram(DURATION)).toBeUndefined();
  });
});
