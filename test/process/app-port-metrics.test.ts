/**
 * The preload with no scrape port (PROMKIT_SCRAPE_SERVER=false): an Express app serves the
 * endpoints on its own port with `metricsHandler()` from the package, bound to the preload's promkit.
 */
import { afterEach, expect, test } from 'vitest';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';

let app: AppProcess | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

test('opens no scrape port, and serves the endpoints on the app port without counting them as app traffic', async () => {
  app = await startApp('test/fixtures/app-port-metrics.mjs', { PROMKIT_SCRAPE_SERVER: 'false', PROMKIT_METRICS_TOKEN: 'tok' });
  expect(app.scrapeUrl).toBeUndefined();
  expect(app.stderr()).toContain("promkit: no scrape port (PROMKIT_SCRAPE_SERVER=false); serve metrics with metricsHandler() on the app's own server (standalone; no push;");

  expect(await hit(app.appPort, '/hello', 3)).toEqual([200, 200, 200]);
  expect(await hit(app.appPort, '/metrics', 2)).toEqual([401, 401]);
  const headers = { authorization: 'Bearer tok' };
  const base = `http://127.0.0.1:${app.appPort}/metrics`;
  expect((await fetch(`${base}/health`, { headers })).status).toBe(200);
  const response = await fetch(`${base}?name=http.server.request.duration`, { headers });
  expect(response.status).toBe(200);
  const counts = parsePrometheusText(await response.text())
    .samples.filter((s) => s.name === 'http_server_request_duration_seconds_count')
    .map((s) => [s.labels['http_route'], s.labels['http_response_status_code'], s.value]);
  expect(counts).toEqual([['/hello', '200', 3]]);
});
