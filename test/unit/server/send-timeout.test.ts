import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { DEFAULT_SEND_TIMEOUT_MILLIS, resolveSendTimeout } from '../../../src/server/send-timeout.js';
import { ScrapeServer, type Route } from '../../../src/server/server.js';

const servers: ScrapeServer<string>[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A body far larger than the loopback socket buffers, so a client that never reads leaves it unfinished. */
const BIG_BODY = Array.from({ length: 64 }, () => 'x'.repeat(1 << 20));

async function serverWith(sendTimeoutMillis: number) {
  const cutOffAt: number[] = [];
  const route: Route<string> = { path: '/metrics', render: () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: BIG_BODY }) };
  const server = new ScrapeServer<string>({
    host: '127.0.0.1',
    port: 0,
    endpoint: '/metrics',
    collect: async () => '',
    routes: [route],
    sendTimeoutMillis,
    onSendTimeout: () => cutOffAt.push(performance.now()),
  });
  servers.push(server);
  await server.listen();
  return { server, cutOffAt };
}

/** Sends a GET and reads nothing until `drain()`, which then reads what the server had sent before closing. */
function stalledClient(port: number, headers = '') {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.pause();
  const sentAt = performance.now();
  socket.write(`GET /metrics HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`);
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  const drain = () =>
    new Promise<number>((resolve) => {
      socket.once('close', () => resolve(received));
      socket.resume();
    });
  return { sentAt, drain };
}

const BODY_BYTES = BIG_BODY.reduce((total, chunk) => total + chunk.length, 0);

describe('the scrape port\'s send timeout', () => {
  test('closes the connection of a client that never reads, once, after the bound and not before', async () => {
    const { server, cutOffAt } = await serverWith(300);
    const client = stalledClient(server.port!);
    await expect.poll(() => cutOffAt.length, { timeout: 20_000 }).toBe(1);
    // Timers never fire early: a loaded machine can only make this later.
    expect(cutOffAt[0]! - client.sentAt).toBeGreaterThanOrEqual(290);
    expect(server.sendTimeouts).toBe(1);
    // The connection is gone: the client reads what was buffered, then the end, well short of the body.
    expect(await client.drain()).toBeLessThan(BODY_BYTES);
    expect(server.sendTimeouts).toBe(1);
  }, 30_000);

  test('a scraper that declares a longer timeout gets it', async () => {
    const { server, cutOffAt } = await serverWith(100);
    const client = stalledClient(server.port!, 'X-Prometheus-Scrape-Timeout-Seconds: 0.6\r\n');
    await expect.poll(() => cutOffAt.length, { timeout: 20_000 }).toBe(1);
    expect(cutOffAt[0]! - client.sentAt).toBeGreaterThanOrEqual(590);
    expect(await client.drain()).toBeLessThan(BODY_BYTES);
  }, 30_000);

  test('a response that finishes in time is left alone', async () => {
    const route: Route<string> = { path: '/metrics', render: () => ({ status: 200, contentType: 'text/plain', body: 'up 1\n' }) };
    const server = new ScrapeServer<string>({ host: '127.0.0.1', port: 0, endpoint: '/metrics', collect: async () => '', routes: [route], sendTimeoutMillis: 50 });
    servers.push(server);
    await server.listen();
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(await response.text()).toBe('up 1\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.sendTimeouts).toBe(0);
  });

  test('defaults to 10 s, from the option or PROMKIT_SCRAPE_SEND_TIMEOUT_MS, refusing anything else', () => {
    expect(DEFAULT_SEND_TIMEOUT_MILLIS).toBe(10_000);
    expect(resolveConfig({}, {}).sendTimeoutMillis).toBe(10_000);
    expect(resolveConfig({}, { PROMKIT_SCRAPE_SEND_TIMEOUT_MS: '2500' }).sendTimeoutMillis).toBe(2500);
    expect(resolveSendTimeout({ sendTimeoutMillis: 700 }, { PROMKIT_SCRAPE_SEND_TIMEOUT_MS: '2500' })).toBe(700);
    expect(() => resolveSendTimeout({}, { PROMKIT_SCRAPE_SEND_TIMEOUT_MS: '10s' })).toThrow('PROMKIT_SCRAPE_SEND_TIMEOUT_MS: "10s" is not a number of milliseconds');
    expect(() => resolveSendTimeout({ sendTimeoutMillis: 0 }, {})).toThrow('sendTimeoutMillis: 0 must be a positive number of milliseconds');
  });
});
