/**
 * The three scrape formats against a real Prometheus 2.42: OpenMetrics (its default Accept),
 * exemplars (`--enable-feature=exemplar-storage`, in an app that runs the OpenTelemetry Node SDK
 * with a trace SDK and promkit's reader) and native histograms (`--enable-feature=native-histograms`,
 * which makes Prometheus ask for protobuf). Each Prometheus scrapes every second, on its own free
 * port and temporary storage, and is stopped after. Values are known: the test records them.
 * Nothing waits a fixed time; it polls until Prometheus has ingested what was recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { metrics } from '../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../src/start.js';
import { ROOT } from '../helpers/app-process.js';
import { decodeDelimited, num, sub, text, unzigzag } from '../helpers/protobuf-decode.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function scrapeConfig(target: string, path: string): string {
  return `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: app\n    metrics_path: ${path}\n    static_configs:\n      - targets: ['${target}']\n`;
}

/** Polls `check` every 200 ms until it returns a value, or fails with the last reason after 40 s. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, prometheus?: PrometheusServer): Promise<T> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${prometheus?.log() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function single(prometheus: PrometheusServer, expr: string, time?: number): Promise<number | undefined> {
  const result = await prometheus.query(expr, time);
  return result.length === 1 ? result[0]?.value : undefined;
}

/**
 * A pass-through proxy in front of the endpoint that records each scrape's Accept header and the
 * Content-Type answered, so the test sees what Prometheus asked for and got.
 */
async function recordingProxy(target: URL): Promise<{ server: Server; port: number; seen: Array<{ accept: string; contentType: string }> }> {
  const seen: Array<{ accept: string; contentType: string }> = [];
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest({ host: target.hostname, port: target.port, path: incoming.url, headers: incoming.headers }, (answer) => {
      seen.push({ accept: String(incoming.headers.accept ?? ''), contentType: String(answer.headers['content-type'] ?? '') });
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe('OpenMetrics, scraped by Prometheus', () => {
  test('Prometheus asks for OpenMetrics, gets it, and ingests the counter under its 0.0.4 name', async () => {
    const handle: PromkitHandle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false });
    cleanups.push(() => handle.shutdown());
    metrics.counter({ name: 'e2e.orders', description: 'Orders placed.', labels: ['shop'] }).add(42, { shop: 'berlin' });
    metrics.histogram({ name: 'e2e.latency', description: 'Latency.', unit: 's', buckets: [0.1, 1] }).record(0.5);
    const url = new URL(handle.url ?? '');
    const proxy = await recordingProxy(url);
    cleanups.push(() => new Promise<void>((resolve) => proxy.server.close(() => resolve())));
    const prometheus = await startPrometheus(scrapeConfig(`127.0.0.1:${proxy.port}`, url.pathname));
    cleanups.push(() => prometheus.stop());

    expect(await eventually('up == 1', async () => ((await single(prometheus, 'up')) === 1 ? 1 : undefined), prometheus)).toBe(1);
    expect(await eventually('the counter', () => single(prometheus, 'e2e_orders_total{shop="berlin"}'), prometheus)).toBe(42);
    expect(await eventually('the histogram', () => single(prometheus, 'e2e_latency_seconds_bucket{le="1"}'), prometheus)).toBe(1);
    // _created is ingested as its own series by Prometheus 2.42: the counter's start, a few seconds ago.
    const created = await eventually('_created', () => single(prometheus, 'e2e_orders_created{shop="berlin"}'), prometheus);
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(120);
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.seen[0]?.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0,/);
    expect(new Set(proxy.seen.map((s) => s.contentType))).toEqual(new Set([OPENMETRICS]));
    const targets = await prometheus.targets();
    expect(targets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);

    // promtool lints the 0.0.4 text (it has no OpenMetrics parser); the same collection, asked without Accept.
    const plain = await fetch(url);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(promtoolCheckMetrics(await plain.text())).toEqual({ status: 0, output: '' });
    await handle.shutdown();
  });
});

describe('native histograms, scraped as protobuf by Prometheus with --enable-feature=native-histograms', () => {
  test('histogram_count, histogram_sum and histogram_quantile agree with the recorded values within the schema error', async () => {
    const handle: PromkitHandle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false });
    cleanups.push(() => handle.shutdown());
    const url = new URL(handle.url ?? '');
    const latency = metrics.histogram({ name: 'e2e.native.latency', description: 'Latency.', unit: 's', buckets: [0.25, 0.5, 1], native: true });
    // One batch: 10 ms, 20 ms, ... 1 s. Its 95th percentile (rank 95 of 100, as PromQL ranks) is 0.95 s.
    const batch = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);
    const batchSum = batch.reduce((a, b) => a + b, 0);
    const record = () => {
      for (const value of batch) latency.record(value);
    };
    record();
    const proxy = await recordingProxy(url);
    cleanups.push(() => new Promise<void>((resolve) => proxy.server.close(() => resolve())));
    const prometheus = await startPrometheus(scrapeConfig(`127.0.0.1:${proxy.port}`, url.pathname), { features: ['native-histograms'] });
    cleanups.push(() => prometheus.stop());
    const count = () => single(prometheus, 'histogram_count(e2e_native_latency_seconds)');
    await eventually('the first batch', async () => ((await count()) === 100 ? true : undefined), prometheus);
    // A second batch between two scrapes: rate() over the window then sees exactly one batch.
    record();
    await eventually('the second batch', async () => ((await count()) === 200 ? true : undefined), prometheus);
    const at = Date.now() / 1000;

    expect(await single(prometheus, 'histogram_count(e2e_native_latency_seconds)', at)).toBe(200);
    expect(await single(prometheus, 'histogram_sum(e2e_native_latency_seconds)', at)).toBeCloseTo(2 * batchSum, 9);
    // The schema promkit served: a bucket spans a factor 2^(2^-schema), so an estimate inside the right bucket is within that.
    const body = new Uint8Array(await (await fetch(url, { headers: { accept: PROTOBUF_ACCEPT } })).arrayBuffer());
    const family = decodeDelimited(body).find((f) => text(f.get(1)?.[0]) === 'e2e_native_latency_seconds');
    const schema = unzigzag(num(sub(sub(family?.get(4)?.[0]).get(7)?.[0]).get(5)?.[0]) ?? NaN);
    expect(schema).toBeGreaterThanOrEqual(-4);
    expect(schema).toBeLessThanOrEqual(8);
    const relativeError = 2 ** (2 ** -schema) - 1;
    const p95 = await single(prometheus, 'histogram_quantile(0.95, rate(e2e_native_latency_seconds[1m]))', at);
    expect(p95).toBeDefined();
    expect(Math.abs((p95 ?? NaN) / 0.95 - 1)).toBeLessThanOrEqual(relativeError);
    expect(new Set(proxy.seen.map((s) => s.contentType))).toEqual(new Set([PROTOBUF]));
    console.log(`native histogram: schema ${schema}, histogram_count 200, histogram_sum ${await single(prometheus, 'histogram_sum(e2e_native_latency_seconds)', at)}, p95 ${p95} (true 0.95, bound ±${(relativeError * 100).toFixed(2)}%)`);
    await handle.shutdown();
  });
});

describe('exemplars, in an app running the OpenTelemetry Node SDK, scraped by Prometheus with --enable-feature=exemplar-storage', () => {
  test('query_exemplars returns the trace id of a request made inside a known span', async () => {
    const child: ChildProcess = spawn(process.execPath, ['test/fixtures/sdk-node-app.mjs'], {
      cwd: ROOT,
      env: { ...process.env, OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    cleanups.push(() => void child.kill('SIGTERM'));
    const [appPort, scrapeUrl] = await new Promise<[number, string]>((resolve, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening (\d+) (\S+)/.exec(stdout);
        if (match) resolve([Number(match[1]), match[2] ?? '']);
      });
      child.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${stderr}`)));
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await fetch(`http://127.0.0.1:${appPort}/order`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(await response.text()).toBe('ok');

    const url = new URL(scrapeUrl);
    const prometheus = await startPrometheus(scrapeConfig(url.host, url.pathname), { features: ['exemplar-storage'] });
    cleanups.push(() => prometheus.stop());
    await eventually('the counter', async () => ((await single(prometheus, 'orders_placed_total')) === 1 ? true : undefined), prometheus);
    const exemplarsOf = async (query: string) => {
      const now = Date.now() / 1000;
      const answer = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?query=${encodeURIComponent(query)}&start=${now - 600}&end=${now + 60}`)).json()) as {
        data: Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string }> }>;
      };
      return answer.data.flatMap((series) => series.exemplars.map((e): Record<string, string | undefined> => ({ series: series.seriesLabels['__name__'], ...e.labels })));
    };
    const counter = await eventually('a counter exemplar', async () => ((await exemplarsOf('orders_placed_total')).length > 0 ? exemplarsOf('orders_placed_total') : undefined), prometheus);
    expect(counter).toEqual([{ series: 'orders_placed_total', trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    const buckets = await exemplarsOf('http_server_request_duration_seconds_bucket');
    expect(buckets.map((e) => e.trace_id)).toEqual([traceId]);
    console.log(`exemplars: ${JSON.stringify([...counter, ...buckets])}`);
  });
});
