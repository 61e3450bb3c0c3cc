import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { HTTP_SERVER_REQUEST_DURATION } from '../../src/catalogue/http.js';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';

const running: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function launch(script: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const app = await startApp(script, env);
  running.push(app);
  return app;
}

async function scrape(url: string): Promise<{ text: string; contentType: string | null }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return { text: await response.text(), contentType: response.headers.get('content-type') };
}

function serverDuration(samples: Sample[], suffix: string, status: string): Sample[] {
  return samples.filter(
    (s) =>
      s.name === `http_server_request_duration_seconds${suffix}` &&
      s.labels['http_request_method'] === 'GET' &&
      s.labels['http_response_status_code'] === status,
  );
}

const EXPECTED_LE = [...HTTP_SERVER_REQUEST_DURATION.boundaries!.map(String), '+Inf'];

describe.each([
  ['CommonJS', 'test/fixtures/app.cjs'],
  ['ESM', 'test/fixtures/app.mjs'],
])('the preload on a %s app', (_kind, script) => {
  test('records server requests with the semconv buckets, attributes and exact counts', async () => {
    const app = await launch(script);
    expect(app.scrapeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(await hit(app.appPort, '/', 3)).toEqual([200, 200, 200]);
    expect(await hit(app.appPort, '/missing', 2)).toEqual([404, 404]);
    expect(await hit(app.appPort, '/boom', 1)).toEqual([500]);

    // Scrape twice: the scrapes themselves must never be counted as application traffic.
    await scrape(app.scrapeUrl!);
    const { text, contentType } = await scrape(app.scrapeUrl!);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { samples, families } = parsePrometheusText(text);
    expect(families.get('http_server_request_duration_seconds')?.type).toBe('histogram');

    const ok = serverDuration(samples, '_bucket', '200');
    expect(ok.map((s) => s.labels['le'])).toEqual(EXPECTED_LE);
    expect(ok.at(-1)!.value).toBe(3);
    expect(ok[0]!.labels).toMatchObject({ url_scheme: 'http', network_protocol_version: '1.1', http_route: '/' });
    expect(serverDuration(samples, '_count', '200').map((s) => s.value)).toEqual([3]);
    const notFound = serverDuration(samples, '_count', '404');
    expect(notFound.map((s) => [s.labels['http_route'], s.value])).toEqual([['/*unmatched', 2]]);
    const failed = serverDuration(samples, '_count', '500');
    expect(failed.map((s) => s.value)).toEqual([1]);
    expect(failed[0]!.labels['error_type']).toBe('500');

    const allServerCounts = samples
      .filter((s) => s.name === 'http_server_request_duration_seconds_count')
      .reduce((sum, s) => sum + s.value, 0);
    expect(allServerCounts).toBe(6);
  });

  test('records fetch (undici) client requests as http.client.request.duration', async () => {
    const app = await launch(script);
    expect(await hit(app.appPort, '/fetch', 2)).toEqual([200, 200]);
    const { samples } = parsePrometheusText((await scrape(app.scrapeUrl!)).text);
    const client = samples.filter((s) => s.name === 'http_client_request_duration_seconds_count');
    expect(client).toHaveLength(1);
    expect(client[0]!.value).toBe(2);
    expect(client[0]!.labels).toMatchObject({
      http_request_method: 'GET',
      server_address: '127.0.0.1',
      server_port: String(app.appPort),
      http_response_status_code: '200',
    });
  });

  test('serves an exposition that promtool check metrics accepts', async () => {
    const app = await launch(script);
    await hit(app.appPort, '/', 1);
    await hit(app.appPort, '/fetch', 1);
    const { text } = await scrape(app.scrapeUrl!);
    const result = promtoolCheckMetrics(text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('instrumentation-http as the server source (httpServerSource option)', () => {
  test('records the same semconv series for an ESM app, scrapes excluded', async () => {
    const app = await startApp('test/fixtures/app.mjs', {}, './test/fixtures/preload-instrumentation-http.mjs');
    running.push(app);
    expect(await hit(app.appPort, '/', 2)).toEqual([200, 200]);
    expect(await hit(app.appPort, '/missing', 1)).toEqual([404]);
    await scrape(app.scrapeUrl!);
    const { samples } = parsePrometheusText((await scrape(app.scrapeUrl!)).text);
    const ok = serverDuration(samples, '_bucket', '200');
    expect(ok.map((s) => s.labels['le'])).toEqual(EXPECTED_LE);
    expect(serverDuration(samples, '_count', '200').map((s) => s.value)).toEqual([2]);
    expect(serverDuration(samples, '_count', '404').map((s) => s.value)).toEqual([1]);
    // instrumentation-http knows no route without a framework: no http_route label at all.
    expect(ok[0]!.labels['http_route']).toBeUndefined();
  });
});

describe('the preload never takes the app down', () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  test('a taken scrape port prints one clear line and the app serves its requests', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) => {
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port));
    });
    const app = await launch('test/fixtures/app.mjs', { OTEL_EXPORTER_PROMETHEUS_PORT: String(port) });
    expect(await hit(app.appPort, '/', 2)).toEqual([200, 200]);
    const lines = app.stderr().trim().split('\n');
    expect(lines).toEqual([
      `promkit: metrics not started: port ${port} on 127.0.0.1 is already in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (or 0 for any)`,
    ]);
    expect(app.scrapeUrl).toBeUndefined();
  });

  test('a bad environment value prints one line naming the variable and the app runs', async () => {
    const app = await launch('test/fixtures/app.cjs', { OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety' });
    expect(await hit(app.appPort, '/', 1)).toEqual([200]);
    expect(app.stderr().trim().split('\n')).toEqual([
      'promkit: metrics not started: OTEL_EXPORTER_PROMETHEUS_PORT: "ninety" is not a port number; set an integer from 0 to 65535 (0 picks a free port)',
    ]);
  });

  test('OTEL_SDK_DISABLED=true starts nothing and the app runs', async () => {
    const probe = createServer();
    const free = await new Promise<number>((resolve) => {
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port));
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const app = await launch('test/fixtures/app.mjs', { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_PROMETHEUS_PORT: String(free) });
    expect(await hit(app.appPort, '/', 1)).toEqual([200]);
    expect(app.stderr()).toBe('');
    await expect(fetch(`http://127.0.0.1:${free}/metrics`)).rejects.toThrow();
  });
});
