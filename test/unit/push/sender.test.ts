import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { encodeWriteRequest, encodeWriteRequestInSlices, type TimeSeries } from '../../../src/push/protobuf.js';
import { remoteWriteBatch, splitWriteRequest } from '../../../src/push/remote-write.js';
import { retryAfterMillis, RetryingSender, type PushDropReason } from '../../../src/push/sender.js';
import { snappyCompress, snappyCompressInSlices, snappyDecompress } from '../../../src/push/snappy.js';
import { freePort } from '../../helpers/prometheus-server.js';
import { decodeWriteRequest, type DecodedSeries } from '../../helpers/remote-write-decode.js';

const NOW = 1_700_000_000_000;

/** Series named `name` with one sample each, labels sorted. */
function series(...names: string[]): TimeSeries[] {
  return names.map((name, i) => ({ labels: [{ name: '__name__', value: name }, { name: 'i', value: String(i) }], samples: [{ value: i, timestampMillis: NOW }] }));
}

interface Received {
  readonly at: number;
  readonly names: string[];
}

/** A receiver whose answer to each request `answer` decides from the series in it; it records what it got and when. */
async function receiver(answer: (decoded: DecodedSeries[], index: number) => { status: number; headers?: Record<string, string> }) {
  const received: Received[] = [];
  const accepted: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const decoded = decodeWriteRequest(new Uint8Array(Buffer.concat(chunks)));
      const names = decoded.map((s) => s.labels['__name__']!);
      received.push({ at: performance.now(), names });
      const { status, headers } = answer(decoded, received.length - 1);
      if (status < 300) accepted.push(...names);
      response.writeHead(status, headers).end(status >= 400 ? 'refused' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, received, accepted };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function sender(url: string, backoff = { min: 1, max: 4 }) {
  const drops: { reason: PushDropReason; samples: number; detail: string }[] = [];
  const delivered: number[] = [];
  const instance = new RetryingSender({
    url,
    method: 'POST',
    headers: {},
    maxQueued: 20,
    timeoutMillis: 5000,
    minBackoffMillis: backoff.min,
    maxBackoffMillis: backoff.max,
    onDrop: (reason, samples, detail) => drops.push({ reason, samples, detail }),
    onDelivered: (batch) => delivered.push(batch.samples),
  });
  closers.push(() => instance.close(0));
  return { instance, drops, delivered };
}

describe('a 413 from the receiver', () => {
  test('splits the request in halves, recursively, until each part is accepted: every series delivered once', async () => {
    const store = await receiver((decoded) => ({ status: decoded.length > 2 ? 413 : 204 }));
    const { instance, drops, delivered } = sender(store.url);
    instance.enqueue(await remoteWriteBatch(series('a', 'b', 'c', 'd', 'e')));
    expect(await instance.drained(10_000)).toBe(true);
    // 5 → 3 + 2; 3 → 2 + 1.
    expect(store.received.map((r) => r.names)).toEqual([['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c'], ['a', 'b'], ['c'], ['d', 'e']]);
    expect(store.accepted).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(delivered).toEqual([2, 1, 2]);
    expect(drops).toEqual([]);
  });

  test('drops a single series still refused as too_large, and delivers the rest', async () => {
    const store = await receiver((decoded) => ({ status: decoded.some((s) => s.labels['__name__'] === 'huge') ? 413 : 204 }));
    const { instance, drops } = sender(store.url);
    instance.enqueue(await remoteWriteBatch(series('a', 'huge', 'b', 'c')));
    expect(await instance.drained(10_000)).toBe(true);
    expect(store.accepted.sort()).toEqual(['a', 'b', 'c']);
    expect(drops.map(({ reason, samples }) => ({ reason, samples }))).toEqual([{ reason: 'too_large', samples: 1 }]);
    expect(drops[0]!.detail).toContain('answered 413');
  });

  test('a body that cannot be split (no split function) is dropped as too_large with all its samples', async () => {
    const store = await receiver(() => ({ status: 413 }));
    const { instance, drops } = sender(store.url);
    instance.enqueue({ body: snappyCompress(encodeWriteRequest(series('a', 'b'))), samples: 2 });
    expect(await instance.drained(10_000)).toBe(true);
    expect(store.received).toHaveLength(1);
    expect(drops.map(({ reason, samples }) => ({ reason, samples }))).toEqual([{ reason: 'too_large', samples: 2 }]);
  });

  test('splitting keeps the bytes of every series: the halves decode to the original series in order', async () => {
    const original = series('a', 'b', 'c');
    const halves = await splitWriteRequest(snappyCompress(encodeWriteRequest(original)));
    expect(halves?.map((h) => h.samples)).toEqual([2, 1]);
    const decoded = halves!.flatMap((h) => decodeWriteRequest(h.body as Uint8Array));
    expect(decoded).toEqual(decodeWriteRequest(snappyCompress(encodeWriteRequest(original))));
    expect(await splitWriteRequest(snappyCompress(encodeWriteRequest(series('only'))))).toBeUndefined();
  });
});

describe('Retry-After', () => {
  test('seconds and HTTP dates are read; anything else is ignored', () => {
    expect(retryAfterMillis('3', NOW)).toBe(3000);
    expect(retryAfterMillis(new Date(NOW + 7000).toUTCString(), NOW)).toBe(7000);
    expect(retryAfterMillis(new Date(NOW - 7000).toUTCString(), NOW)).toBe(0);
    expect(retryAfterMillis(null, NOW)).toBeUndefined();
    expect(retryAfterMillis('soon', NOW)).toBeUndefined();
  });

  test('a 429 with Retry-After: 1 is retried no sooner than a second later, then delivered once', async () => {
    const store = await receiver((_, index) => (index === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 204 }));
    // A back-off of 1 ms would retry at once without the header.
    const { instance, drops } = sender(store.url, { min: 1, max: 60_000 });
    instance.enqueue(await remoteWriteBatch(series('a')));
    await expect.poll(() => store.accepted, { timeout: 10_000 }).toEqual(['a']);
    expect(store.received).toHaveLength(2);
    // Timers never fire early; a loaded machine only makes the gap longer.
    expect(store.received[1]!.at - store.received[0]!.at).toBeGreaterThanOrEqual(990);
    expect(drops).toEqual([]);
  });

  test('a 503 asking for an hour waits no longer than the sender\'s longest back-off', async () => {
    const store = await receiver((_, index) => (index === 0 ? { status: 503, headers: { 'Retry-After': '3600' } } : { status: 204 }));
    const { instance } = sender(store.url, { min: 1, max: 50 });
    instance.enqueue(await remoteWriteBatch(series('a')));
    await expect.poll(() => store.accepted, { timeout: 10_000 }).toEqual(['a']);
  });
});

describe('any other 4xx', () => {
  test('drops the request, counting only what the receiver says it did not write', async () => {
    const store = await receiver(() => ({ status: 400, headers: { 'X-Prometheus-Remote-Write-Samples-Written': '3', 'X-Prometheus-Remote-Write-Histograms-Written': '1' } }));
    const { instance, drops } = sender(store.url);
    instance.enqueue(await remoteWriteBatch(series('a', 'b', 'c', 'd', 'e', 'f')));
    expect(await instance.drained(10_000)).toBe(true);
    expect(store.received).toHaveLength(1);
    expect(drops.map(({ reason, samples }) => ({ reason, samples }))).toEqual([{ reason: 'rejected', samples: 2 }]);
  });

  test('without those headers the response does not say, and the whole request is counted as rejected', async () => {
    const store = await receiver(() => ({ status: 400 }));
    const { instance, drops } = sender(store.url);
    instance.enqueue(await remoteWriteBatch(series('a', 'b', 'c')));
    expect(await instance.drained(10_000)).toBe(true);
    expect(store.received).toHaveLength(1);
    expect(drops.map(({ reason, samples }) => ({ reason, samples }))).toEqual([{ reason: 'rejected', samples: 3 }]);
    expect(drops[0]!.detail).toContain('answered 400: refused');
  });
});

describe('a body given up on at shutdown', () => {
  test('reports how long it waited, not the last zero-length wait', async () => {
    const { instance, drops } = sender(`http://127.0.0.1:${await freePort()}/metrics`, { min: 5, max: 20 });
    instance.enqueue({ body: 'x 1\n', samples: 1 });
    expect(await instance.drained(100)).toBe(false);
    await instance.close(0);
    expect(drops).toHaveLength(1);
    const waited = Number(/within (\d+) ms/.exec(drops[0]!.detail)?.[1]);
    expect(drops[0]!.reason).toBe('shutdown');
    expect(waited).toBeGreaterThanOrEqual(100);
  });
});

describe('sliced encoding', () => {
  test('gives the same bytes as the one-step encoders, with slices small enough to yield many times', async () => {
    const many = series(...Array.from({ length: 5000 }, (_, i) => `metric_${i % 97}`));
    const encoded = encodeWriteRequest(many);
    expect(await encodeWriteRequestInSlices(many, 0)).toEqual(encoded);
    const compressed = snappyCompress(encoded);
    expect(await snappyCompressInSlices(encoded, 0)).toEqual(compressed);
    expect(snappyDecompress(compressed)).toEqual(encoded);
    expect(encoded.length).toBeGreaterThan(4 * 65_536);
  });
});

describe('slicing', () => {
  test('the encoder and the compressor give the event loop a turn between slices: a timer queued before them runs before they finish', async () => {
    const many = series(...Array.from({ length: 5000 }, (_, i) => `metric_${i % 97}`));
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    // A budget of 0 ms ends a slice at every clock check (every 64 series): no dependence on machine speed.
    const encoded = await encodeWriteRequestInSlices(many, 0);
    expect(timerRan).toBe(true);
    timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    await snappyCompressInSlices(encoded, 0);
    expect(timerRan).toBe(true);
  });

  test('the one-step encoder, for contrast, finishes before any timer', async () => {
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    await Promise.resolve(snappyCompress(encodeWriteRequest(series(...Array.from({ length: 5000 }, () => 'm')))));
    expect(timerRan).toBe(false);
  });
});
