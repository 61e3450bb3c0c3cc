/**
 * The scrape port and the app's own port answer through one ScrapeHandler: the same collections
 * (shared while one runs), the same deadline header, the same routes moved to the app's paths.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { createMetricsHandler } from '../../../src/server/app-handler.js';
import { ScrapeHandler, ScrapeServer, type CollectOptions, type Route } from '../../../src/server/server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ROUTES: readonly Route<string>[] = [
  { path: '/metrics', render: (text) => ({ status: 200, contentType: 'text/plain', body: `text ${text}` }) },
  { path: '/metrics/json', render: (text) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(text) }) },
  { path: '/metrics/health', render: () => ({ status: 200, contentType: 'application/json', body: '{}' }) },
];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('one ScrapeHandler behind the scrape port and the app port', () => {
  test('requests on both while a collection runs share it: one collection, one body', async () => {
    const deadlines: number[] = [];
    let release: (text: string) => void = () => {};
    const handler = new ScrapeHandler<string>({
      endpoint: '/metrics',
      routes: ROUTES,
      collect: ({ timeoutMillis }: CollectOptions) => {
        deadlines.push(timeoutMillis);
        return new Promise<string>((resolve) => (release = resolve));
      },
    });
    const scrapeServer = new ScrapeServer({ host: '127.0.0.1', port: 0, handler });
    await scrapeServer.listen();
    cleanups.push(() => scrapeServer.close());
    const metrics = createMetricsHandler(() => handler, { prefix: '/ops' });
    const appPort = await listen(createServer((req, res) => metrics(req, res) || res.end('app')));

    const fromScrapePort = get(scrapeServer.port!, '/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '4' });
    const fromAppPort = get(appPort, '/ops/metrics');
    const jsonFromAppPort = get(appPort, '/ops/metrics/json');
    while (handler.waiting < 3) await new Promise((resolve) => setImmediate(resolve));
    release('one');

    expect(await Promise.all([fromScrapePort, fromAppPort, jsonFromAppPort])).toEqual([
      { status: 200, body: 'text one' },
      { status: 200, body: 'text one' },
      { status: 200, body: '"one"' },
    ]);
    // The collection started by the scrape port got Prometheus's deadline (4 s - 500 ms).
    expect(deadlines).toEqual([3500]);
  });

  test('the app port honours the scrape timeout header and answers 405 to other methods on its paths', async () => {
    const deadlines: number[] = [];
    const handler = new ScrapeHandler<string>({
      endpoint: '/metrics',
      routes: ROUTES,
      collectTimeoutMillis: 250,
      collect: async ({ timeoutMillis }: CollectOptions) => {
        deadlines.push(timeoutMillis);
        return 'x';
      },
    });
    const metrics = createMetricsHandler(() => handler);
    const appPort = await listen(createServer((req, res) => metrics(req, res) || res.end('app')));
    await get(appPort, '/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '10' });
    await get(appPort, '/metrics');
    expect(deadlines).toEqual([9500, 250]);
    const post = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: appPort, path: '/metrics', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(post).toBe(405);
    // A path beside the endpoints is the app's.
    expect(await get(appPort, '/metrics/other')).toEqual({ status: 200, body: 'app' });
    expect(await get(appPort, '/metricsx')).toEqual({ status: 200, body: 'app' });
  });

  test('routesAt moves every route from under the configured endpoint to under another', () => {
    const handler = new ScrapeHandler<string>({ endpoint: '/prom', routes: ROUTES.map((r) => ({ ...r, path: r.path.replace('/metrics', '/prom') })), collect: async () => '' });
    expect([...handler.routesAt('/internal/metrics').keys()]).toEqual(['/internal/metrics', '/internal/metrics/json', '/internal/metrics/health']);
    const atRoot = new ScrapeHandler<string>({ endpoint: '/', routes: [{ ...ROUTES[0]!, path: '/' }, { ...ROUTES[1]!, path: '/json' }], collect: async () => '' });
    expect([...atRoot.routesAt('/m/').keys()]).toEqual(['/m/', '/m/json']);
  });
});

describe('configuration', () => {
  test('the app-port paths must be paths', () => {
    const handler = () => undefined;
    expect(() => createMetricsHandler(handler, { prefix: 'internal' })).toThrow(
      new ConfigError('metricsHandler.prefix', '"internal" must start with "/" and not end with one, e.g. "/internal"'),
    );
    expect(() => createMetricsHandler(handler, { prefix: '/internal/' })).toThrow(ConfigError);
    expect(() => createMetricsHandler(handler, { endpoint: 'metrics' })).toThrow(
      new ConfigError('metricsHandler.endpoint', '"metrics" must be a path starting with "/", e.g. "/metrics"'),
    );
  });

  test('scrapeServer defaults to true, PROMKIT_SCRAPE_SERVER=false turns it off, the option wins, junk is refused', () => {
    expect(resolveConfig({}, {}).scrapeServer).toBe(true);
    expect(resolveConfig({}, { PROMKIT_SCRAPE_SERVER: 'false' }).scrapeServer).toBe(false);
    expect(resolveConfig({}, { PROMKIT_SCRAPE_SERVER: 'TRUE' }).scrapeServer).toBe(true);
    expect(resolveConfig({ scrapeServer: true }, { PROMKIT_SCRAPE_SERVER: 'false' }).scrapeServer).toBe(true);
    expect(() => resolveConfig({}, { PROMKIT_SCRAPE_SERVER: 'no' })).toThrow(new ConfigError('PROMKIT_SCRAPE_SERVER', '"no" is not a boolean; set "true" or "false"'));
  });
});
