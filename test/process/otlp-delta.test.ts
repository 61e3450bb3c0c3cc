/**
 * OTLP with `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta`: promkit's own histogram cells
 * (`http.server.request.duration`) are exported as delta like the SDK's instruments, and the
 * deltas of every export add up to exactly the requests served.
 */
import { afterEach, expect, test } from 'vitest';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

let app: AppProcess | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await app?.stop();
  await receiver?.close();
});

test('http.server.request.duration is DELTA, and its exported counts sum to the 10 requests served', async () => {
  receiver = await startOtlpReceiver();
  app = await startApp('test/fixtures/app.mjs', {
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
  });
  const r = receiver;
  const durations = () => r.requests.flatMap((request) => request.metrics.filter((m) => m.name === 'http.server.request.duration'));
  const exported = () => durations().flatMap((m) => m.histogram ?? []).reduce((n, p) => n + p.count, 0);
  await hit(app.appPort, '/', 6);
  await expect.poll(exported, { timeout: 20_000, message: app.stderr() }).toBe(6);
  await hit(app.appPort, '/', 4);
  await expect.poll(exported, { timeout: 20_000, message: app.stderr() }).toBe(10);
  // Two more exports: nothing new is counted again.
  const seen = r.requests.length;
  await expect.poll(() => r.requests.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(seen + 2);
  expect(exported()).toBe(10);
  expect(new Set(durations().map((m) => m.temporality))).toEqual(new Set([1]));
}, 60_000);
