/**
 * OTLP push through the upstream exporter, selected and configured only by the standard
 * variables (`OTEL_METRICS_EXPORTER`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_METRIC_EXPORT_INTERVAL`),
 * received by a test receiver that decodes the protobuf: what arrives has the catalogue's bucket
 * boundaries and the exact counts the app served.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { BUCKET_PRESETS } from '../../src/catalogue/buckets.js';
import { createOtlpReader } from '../../src/push/otlp.js';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { startOtlpReceiver, type OtlpHistogramPoint, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';

let app: AppProcess | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await app?.stop();
  await receiver?.close();
  app = undefined;
  receiver = undefined;
});

/** The duration histogram's points in the latest export that has them. */
function latestDurations(r: OtlpReceiver): OtlpHistogramPoint[] {
  for (let i = r.requests.length - 1; i >= 0; i--) {
    const metric = r.requests[i]!.metrics.find((m) => m.name === 'http.server.request.duration');
    if (metric?.histogram !== undefined) return metric.histogram;
  }
  return [];
}

const total = (points: readonly OtlpHistogramPoint[]) => points.reduce((n, p) => n + p.count, 0);

describe('OTLP export', () => {
  test('prometheus,otlp: a histogram arrives with the catalogue\'s boundaries and exact counts, and the scrape serves the same', async () => {
    receiver = await startOtlpReceiver();
    app = await startApp('test/fixtures/app.mjs', {
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_SERVICE_NAME: 'otlp-app',
    });
    await hit(app.appPort, '/', 6);
    await hit(app.appPort, '/boom', 2);
    const r = receiver;
    await expect.poll(() => total(latestDurations(r)), { timeout: 20_000, message: app.stderr() }).toBe(8);

    const points = latestDurations(r);
    for (const point of points) {
      expect(point.explicitBounds).toEqual([...BUCKET_PRESETS.http_duration]);
      expect(point.bucketCounts).toHaveLength(BUCKET_PRESETS.http_duration.length + 1);
      expect(point.bucketCounts.reduce((a, b) => a + b, 0)).toBe(point.count);
    }
    expect(points.map((p) => [p.attributes['http.response.status_code'], p.count]).sort()).toEqual([
      [200, 6],
      [500, 2],
    ]);
    const last = r.requests.at(-1)!;
    expect(last.resource['service.name']).toBe('otlp-app');
    expect(last.headers['content-type']).toBe('application/x-protobuf');
    expect(last.metrics.find((m) => m.name === 'http.server.request.duration')?.temporality, 'cumulative').toBe(2);

    const scraped = parsePrometheusText(await (await fetch(app.scrapeUrl!)).text()).samples;
    const counts = scraped.filter((s) => s.name === 'http_server_request_duration_seconds_count').reduce((n, s) => n + s.value, 0);
    expect(counts).toBe(8);
  }, 60_000);

  test('otlp alone: no scrape port is bound, and OTLP still arrives', async () => {
    receiver = await startOtlpReceiver();
    app = await startApp('test/fixtures/app.mjs', {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    });
    expect(app.scrapeUrl).toBeUndefined();
    await hit(app.appPort, '/', 3);
    const r = receiver;
    await expect.poll(() => total(latestDurations(r)), { timeout: 20_000, message: app.stderr() }).toBe(3);
  }, 60_000);

  test('a missing exporter package is one clear line, and no reader', async () => {
    const lines: string[] = [];
    const reader = await createOtlpReader(
      { intervalMillis: 1000, timeoutMillis: 1000 },
      { cardinalityLimit: 2000, warn: (line) => lines.push(line), packageName: 'promkit-test-no-such-exporter' },
    );
    expect(reader).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^OTEL_METRICS_EXPORTER=otlp needs promkit-test-no-such-exporter, which could not be loaded \(.*\); install it \(npm install promkit-test-no-such-exporter\) or remove otlp; not exporting OTLP$/);
  });
});
