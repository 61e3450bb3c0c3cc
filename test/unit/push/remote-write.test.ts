import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { serialize } from '../../../src/exposition/serializer.js';
import { encodeWriteRequest } from '../../../src/push/protobuf.js';
import { REMOTE_WRITE_DEFAULTS, RemoteWritePusher, type ResolvedRemoteWrite } from '../../../src/push/remote-write.js';
import type { PushDropReason } from '../../../src/push/sender.js';
import { toTimeSeries } from '../../../src/push/series.js';
import { snappyCompress } from '../../../src/push/snappy.js';
import { freePort } from '../../helpers/prometheus-server.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';
import { decodeWriteRequest, type DecodedSeries } from '../../helpers/remote-write-decode.js';

const TARGET = { job: 'checkout', instance: 'host-a:42' };
const NOW = 1_700_000_000_123;

function setup() {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    readers: [exporter],
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment.name': 'prod' }),
    views: [{ instrumentName: 'http.server.request.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.1, 0.5, 1] } } }],
  });
  const meter = provider.getMeter('app');
  const collect = async (): Promise<ResourceMetrics> => (await exporter.collect()).resourceMetrics;
  return { provider, meter, collect };
}

/** A scrape's samples keyed like remote-write series: name and labels, with the target labels a scrape gets. */
function keyOf(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

describe('remote-write series', () => {
  it('carry exactly the names, labels and values of the scrape, plus job and instance', async () => {
    const { meter, collect } = setup();
    const orders = meter.createCounter('orders.processed', { unit: '{order}' });
    orders.add(3, { 'order.kind': 'retail', status: 'ok' });
    orders.add(2, { 'order.kind': 'with "quotes"\\ and\nnewline', status: 'ok' });
    const duration = meter.createHistogram('http.server.request.duration', { unit: 's' });
    for (const v of [0.05, 0.2, 0.7, 3]) duration.record(v, { 'http.route': '/users/:id', le: 'attribute named le' });
    meter.createUpDownCounter('queue.depth').add(-4);
    const metrics = await collect();

    const scraped = parsePrometheusText(serialize(metrics)).samples;
    const expected = new Map(scraped.map((s) => [keyOf(s.name, { ...s.labels, ...TARGET }), s.value]));
    const series = toTimeSeries(metrics, TARGET, NOW);
    const pushed = new Map(series.map((s) => [keyOf(s.labels.find((l) => l.name === '__name__')!.value, Object.fromEntries(s.labels.filter((l) => l.name !== '__name__').map((l) => [l.name, l.value]))), s.samples[0]!.value]));

    expect(pushed).toEqual(expected);
    expect(series).toHaveLength(scraped.length);
    // Spot checks that the comparison covers what matters.
    expect(expected.get(keyOf('orders_processed_total', { order_kind: 'with "quotes"\\ and\nnewline', status: 'ok', ...TARGET }))).toBe(2);
    expect(expected.get(keyOf('http_server_request_duration_seconds_bucket', { http_route: '/users/:id', key_le: 'attribute named le', le: '0.5', ...TARGET }))).toBe(2);
    expect(expected.get(keyOf('target_info', { service_name: 'checkout', deployment_environment_name: 'prod', ...TARGET }))).toBe(1);
    for (const s of series) {
      const names = s.labels.map((l) => l.name);
      expect(names, 'labels sorted by name').toEqual([...names].sort());
      expect(s.samples).toEqual([{ value: expect.any(Number), timestampMillis: NOW }]);
    }
  });

  it('rename a series\' own job and instance labels exported_job and exported_instance, as a scrape does', async () => {
    const { meter, collect } = setup();
    meter.createCounter('runs').add(1, { job: 'nightly', instance: 'x' });
    const series = toTimeSeries(await collect(), TARGET, NOW, { targetInfo: false });
    expect(series.map((s) => Object.fromEntries(s.labels.map((l) => [l.name, l.value])))).toEqual([
      { __name__: 'runs_total', exported_instance: 'x', exported_job: 'nightly', instance: 'host-a:42', job: 'checkout' },
    ]);
  });

  it('encode as a WriteRequest an independent decoder reads back', () => {
    const body = snappyCompress(
      encodeWriteRequest([
        { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'é' }], samples: [{ value: 1.5, timestampMillis: NOW }] },
        { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: -0, timestampMillis: 0 }, { value: Number.NaN, timestampMillis: 1 }] },
      ]),
    );
    const decoded = decodeWriteRequest(body);
    expect(decoded[0]).toEqual({ labelNames: ['__name__', 'job'], labels: { __name__: 'up', job: 'é' }, samples: [{ value: 1.5, timestampMillis: NOW }] });
    expect(decoded[1]!.samples.map((s) => s.timestampMillis)).toEqual([0, 1]);
    expect(Number.isNaN(decoded[1]!.samples[1]!.value)).toBe(true);
  });
});

/** A receiver that answers each request with the next status of `statuses` (the last one repeats). */
async function fakeReceiver(statuses: number[]) {
  const requests: { headers: IncomingMessage['headers']; series: DecodedSeries[] }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, series: decodeWriteRequest(new Uint8Array(Buffer.concat(chunks))) });
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)]!;
      response.writeHead(status).end(status >= 400 ? 'err' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function pusherFor(url: string, collect: () => Promise<ResourceMetrics>, overrides: Partial<ResolvedRemoteWrite> = {}) {
  const drops: { reason: PushDropReason; samples: number }[] = [];
  const pusher = new RemoteWritePusher({
    config: { url, headers: { 'X-Scope-OrgID': 'team-a' }, ...REMOTE_WRITE_DEFAULTS, ...overrides },
    collect,
    target: TARGET,
    series: { targetInfo: false },
    onDrop: (reason, samples) => drops.push({ reason, samples }),
    now: () => NOW,
    // Short back-off: the tests count attempts, they never measure time.
    backoff: { minMillis: 1, maxMillis: 4 },
  });
  closers.push(() => pusher.shutdown(1000));
  return { pusher, drops };
}

describe('RemoteWritePusher', () => {
  it('sends the spec\'s headers and retries 5xx with back-off until delivered, once', async () => {
    const receiver = await fakeReceiver([500, 503, 204]);
    closers.push(receiver.close);
    const { meter, collect } = setup();
    meter.createCounter('jobs.done').add(7);
    const { pusher, drops } = pusherFor(receiver.url, collect);
    await pusher.push();
    await expect.poll(() => pusher.queued).toBe(0);

    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[0]!.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'x-scope-orgid': 'team-a',
    });
    // The same body three times: one delivery of one series.
    for (const request of receiver.requests) {
      expect(request.series).toEqual([
        { labelNames: ['__name__', 'instance', 'job'], labels: { __name__: 'jobs_done_total', instance: 'host-a:42', job: 'checkout' }, samples: [{ value: 7, timestampMillis: NOW }] },
      ]);
    }
    expect(drops).toEqual([]);
  });

  it('pushes on its own every intervalMillis once started, and once more at shutdown', async () => {
    const receiver = await fakeReceiver([204]);
    closers.push(receiver.close);
    const { meter, collect } = setup();
    const counter = meter.createCounter('jobs.done');
    counter.add(1);
    const { pusher } = pusherFor(receiver.url, collect, { intervalMillis: 20 });
    pusher.start();
    await expect.poll(() => receiver.requests.length).toBeGreaterThanOrEqual(2);
    counter.add(41);
    await pusher.shutdown(10_000);
    const values = receiver.requests.map((r) => r.series[0]!.samples[0]!.value);
    expect(values.at(-1), 'the final push carries the final total').toBe(42);
    const count = receiver.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.requests, 'nothing after shutdown').toHaveLength(count);
  });

  it('does not retry a 4xx: the request is dropped and its samples counted', async () => {
    const receiver = await fakeReceiver([400, 204]);
    closers.push(receiver.close);
    const { meter, collect } = setup();
    meter.createCounter('jobs.done').add(1, { kind: 'a' });
    meter.createCounter('jobs.done').add(1, { kind: 'b' });
    const { pusher, drops } = pusherFor(receiver.url, collect);
    await pusher.push();
    await expect.poll(() => pusher.queued).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(drops).toEqual([{ reason: 'rejected', samples: 2 }]);
    // The next push goes out normally.
    await pusher.push();
    await expect.poll(() => receiver.requests.length).toBe(2);
  });

  it('holds at most maxQueuedRequests while the receiver is down, counting every dropped sample exactly', async () => {
    const downUrl = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    const { meter, collect } = setup();
    const counter = meter.createCounter('jobs.done');
    for (const kind of ['a', 'b', 'c']) counter.add(1, { kind });
    const { pusher, drops } = pusherFor(downUrl, collect, { maxQueuedRequests: 4 });
    for (let interval = 1; interval <= 50; interval++) {
      await pusher.push();
      expect(pusher.queued).toBe(Math.min(interval, 4));
    }
    // 46 requests of 3 series each were dropped, oldest first.
    expect(drops).toEqual(Array.from({ length: 46 }, () => ({ reason: 'queue_full', samples: 3 })));
    // Shutdown queues a last request (one more full-queue drop), then gives up on the four left.
    await pusher.shutdown(50);
    expect(pusher.queued).toBe(0);
    expect(drops.slice(46)).toEqual([{ reason: 'queue_full', samples: 3 }, ...Array.from({ length: 4 }, () => ({ reason: 'shutdown', samples: 3 }))]);
  });

  it('delivers what was queued while the receiver was down once it is back, the oldest first', async () => {
    const port = await freePort();
    const { meter, collect } = setup();
    const counter = meter.createCounter('jobs.done');
    const { pusher, drops } = pusherFor(`http://127.0.0.1:${port}/api/v1/write`, collect, { maxQueuedRequests: 3 });
    for (let interval = 1; interval <= 4; interval++) {
      counter.add(1);
      await pusher.push();
    }
    const received: number[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(decodeWriteRequest(new Uint8Array(Buffer.concat(chunks)))[0]!.samples[0]!.value);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await expect.poll(() => received, { timeout: 10_000 }).toEqual([2, 3, 4]);
    expect(drops).toEqual([{ reason: 'queue_full', samples: 1 }]);
    await pusher.shutdown(10_000);
    expect(received).toEqual([2, 3, 4, 4]);
  });
});
