/**
 * A collection has a deadline: Prometheus's scrape timeout header minus a margin, else the
 * configured default. A callback still running at it is skipped and counted; the rest is served.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { collectionDeadlineMillis, ScrapeServer, type CollectOptions } from '../../../src/server/server.js';
import { metrics } from '../../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

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

const never = () => new Promise<void>(() => {});

/** A facade gauge whose callback never settles, plus a healthy counter beside it (call after start). */
function defineHungGauge(): void {
  const gauge = metrics.observableGauge({ name: 'x.y', description: 'd' });
  cleanups.push(gauge.addCallback(never));
  metrics.counter({ name: 'deadline.jobs', description: 'Jobs done.' }).add(3);
}

function droppedTimeouts(text: string, metric = 'x.y'): number | undefined {
  return parsePrometheusText(text).samples.find(
    (s) =>
      s.name === 'promkit_measurements_dropped_total' &&
      s.labels['promkit_metric'] === metric &&
      s.labels['promkit_reason'] === 'callback_timeout',
  )?.value;
}

describe('the collection deadline', () => {
  test('is the scrape timeout header minus 500 ms, at least half of it, else the default', () => {
    expect(collectionDeadlineMillis('10', 5000)).toBe(9500);
    expect(collectionDeadlineMillis('1', 5000)).toBe(500);
    expect(collectionDeadlineMillis('0.6', 5000)).toBe(300);
    expect(collectionDeadlineMillis(undefined, 5000)).toBe(5000);
    for (const bad of ['', 'soon', '0', '-2', 'Infinity']) expect([bad, collectionDeadlineMillis(bad, 1234)]).toEqual([bad, 1234]);
  });

  test('defaults to 5000 ms, from collectTimeoutMillis or PROMKIT_COLLECT_TIMEOUT_MS, and refuses a bad one', () => {
    expect(resolveConfig({}, {}).collectTimeoutMillis).toBe(5000);
    expect(resolveConfig({}, { PROMKIT_COLLECT_TIMEOUT_MS: '250' }).collectTimeoutMillis).toBe(250);
    expect(resolveConfig({ collectTimeoutMillis: 90 }, { PROMKIT_COLLECT_TIMEOUT_MS: '250' }).collectTimeoutMillis).toBe(90);
    expect(() => resolveConfig({}, { PROMKIT_COLLECT_TIMEOUT_MS: '5s' })).toThrow(
      new ConfigError('PROMKIT_COLLECT_TIMEOUT_MS', '"5s" is not a number of milliseconds; set a positive integer, e.g. 5000'),
    );
    expect(() => resolveConfig({ collectTimeoutMillis: 0 }, {})).toThrow(ConfigError);
  });

  test('the server hands the header-derived deadline, or its default, to the collection it starts', async () => {
    const seen: number[] = [];
    const server = new ScrapeServer<string>({
      host: '127.0.0.1',
      port: 0,
      endpoint: '/metrics',
      collectTimeoutMillis: 777,
      collect: async ({ timeoutMillis }: CollectOptions) => {
        seen.push(timeoutMillis);
        return 'up 1\n';
      },
      routes: [{ path: '/metrics', render: (body) => ({ status: 200, contentType: 'text/plain', body }) }],
    });
    cleanups.push(() => server.close());
    await server.listen();
    await get(server.port!, '/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '10' });
    await get(server.port!, '/metrics');
    await get(server.port!, '/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': 'never' });
    expect(seen).toEqual([9500, 777, 777]);
  });
});

describe('a hung observable callback', () => {
  test('does not hang /metrics, /metrics/json or /metrics/health: the rest is served and the skip counted', async () => {
    handle = await start({ ...LOCAL, collectTimeoutMillis: 200 });
    defineHungGauge();
    const text = await get(handle.port!, '/metrics');
    expect(text.status).toBe(200);
    const { samples } = parsePrometheusText(text.body);
    expect(samples.find((s) => s.name === 'deadline_jobs_total')?.value).toBe(3);
    expect(samples.filter((s) => s.name === 'x_y')).toEqual([]);
    expect(droppedTimeouts(text.body)).toBe(1);

    const json = await get(handle.port!, '/metrics/json');
    expect(json.status).toBe(200);
    expect(JSON.stringify(JSON.parse(json.body))).toContain('deadline.jobs');
    const health = await get(handle.port!, '/metrics/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toHaveProperty('status');

    // Skipped again in every collection, and counted each time.
    expect(droppedTimeouts((await get(handle.port!, '/metrics')).body)).toBe(4);
  });

  test("Prometheus's X-Prometheus-Scrape-Timeout-Seconds sets the deadline (the default here is 10 minutes)", async () => {
    handle = await start({ ...LOCAL, collectTimeoutMillis: 600_000 });
    defineHungGauge();
    const response = await get(handle.port!, '/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '1' });
    expect(response.status).toBe(200);
    expect(droppedTimeouts(response.body)).toBe(1);
    expect(parsePrometheusText(response.body).samples.find((s) => s.name === 'deadline_jobs_total')?.value).toBe(3);
  });

  test('a callback registered through the raw OTel API is cut off at the deadline too', async () => {
    handle = await start({ ...LOCAL, collectTimeoutMillis: 200 });
    const meter = handle.meterProvider!.getMeter('raw');
    meter.createObservableGauge('raw.hung').addCallback(never);
    meter.createObservableGauge('raw.fine').addCallback((result) => result.observe(7));
    const response = await get(handle.port!, '/metrics');
    expect(response.status).toBe(200);
    const { samples } = parsePrometheusText(response.body);
    expect(samples.find((s) => s.name === 'raw_fine')?.value).toBe(7);
    expect(samples.filter((s) => s.name === 'raw_hung')).toEqual([]);
  });

  test('handle.scrape() uses the configured default deadline', async () => {
    handle = await start({ ...LOCAL, collectTimeoutMillis: 100 });
    defineHungGauge();
    expect(droppedTimeouts(await handle.scrape())).toBe(1);
  });
});

describe('concurrent scrapes', () => {
  test('200 concurrent requests share one collection and one render while it is collected and rendered', async () => {
    let collections = 0;
    let renders = 0;
    let release!: () => void;
    const rendering = new Promise<void>((resolve) => (release = resolve));
    const server = new ScrapeServer<number>({
      host: '127.0.0.1',
      port: 0,
      endpoint: '/metrics',
      collect: async () => ++collections,
      routes: [
        {
          path: '/metrics',
          // A render that takes a while (a large body in slices): requests keep arriving meanwhile.
          render: async (collection) => {
            renders++;
            await rendering;
            return { status: 200, contentType: 'text/plain', body: `collection ${collection}\n` };
          },
        },
      ],
    });
    cleanups.push(() => server.close());
    await server.listen();
    const pending = Array.from({ length: 200 }, () => get(server.port!, '/metrics'));
    while (server.waiting < 200) {
      // A request that arrived after the first collection settled must not have started another.
      expect(collections).toBeLessThanOrEqual(1);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    release();
    const responses = await Promise.all(pending);
    expect(new Set(responses.map((r) => `${r.status} ${r.body}`))).toEqual(new Set(['200 collection 1\n']));
    expect({ collections, renders }).toEqual({ collections: 1, renders: 1 });
    // Once every request has its body, the next one collects afresh.
    expect((await get(server.port!, '/metrics')).body).toBe('collection 2\n');
  });
});
