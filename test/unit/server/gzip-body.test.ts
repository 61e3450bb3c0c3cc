import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { GZIP_LEVEL, gzipChunks } from '../../../src/server/body.js';
import { ScrapeServer } from '../../../src/server/server.js';
import { start, type PromkitHandle } from '../../../src/start.js';

let handle: PromkitHandle | undefined;
const servers: Array<ScrapeServer<string>> = [];
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A request that says which encoding it wants and neither decompresses nor rewrites the body. */
function raw(port: number, encoding: 'gzip' | 'identity', path = '/metrics'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** 300 chunks of text, non-ASCII included, the way the serializer hands out a large scrape. */
const CHUNKS = Array.from({ length: 300 }, (_, i) => Buffer.from(`orders_total{shop="café-${i}-✓"} ${i}\n`.repeat(40), 'utf8'));
const WHOLE = Buffer.concat(CHUNKS);

/**
 * A server whose one route renders CHUNKS as an async iterable, starting once the test calls
 * `go`. With `failAfter`, the first rendering throws after that many chunks (or, with
 * `throwAtOnce`, its render call throws before returning); later renderings complete.
 */
async function streamingServer(options: { failAfter?: number; throwAtOnce?: boolean } = {}) {
  let renders = 0;
  let go: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (go = resolve));
  async function* body(failAfter: number | undefined) {
    await gate;
    for (let i = 0; i < CHUNKS.length; i++) {
      if (i === failAfter) throw new Error('rendering broke');
      yield CHUNKS[i]!;
      if (i % 50 === 0) await turn();
    }
  }
  const server = new ScrapeServer<string>({
    host: '127.0.0.1',
    port: 0,
    endpoint: '/metrics',
    collect: async () => 'collected',
    routes: [
      {
        path: '/metrics',
        render: () => {
          renders++;
          if (renders === 1 && options.throwAtOnce === true) throw new Error('render threw');
          return { status: 200, contentType: 'text/plain; charset=utf-8', body: body(renders === 1 ? options.failAfter : undefined) };
        },
      },
    ],
  });
  servers.push(server);
  await server.listen();
  return { server, port: server.port!, go: () => go?.(), renders: () => renders };
}

describe('gzip of a body rendered in chunks', () => {
  test('a gzip request first has the chunks compressed as they render; an identity request sharing the render gets the same bytes', async () => {
    const { server, port, go, renders } = await streamingServer();
    const zipped = raw(port, 'gzip');
    while (server.waiting < 1) await turn();
    const plain = raw(port, 'identity');
    while (server.waiting < 2) await turn();
    go();
    const [z, p] = await Promise.all([zipped, plain]);
    expect(renders()).toBe(1);
    expect([z.status, p.status]).toEqual([200, 200]);
    expect(z.headers['content-encoding']).toBe('gzip');
    expect(Number(z.headers['content-length'])).toBe(z.body.length);
    expect(p.headers['content-encoding']).toBeUndefined();
    expect(p.body.equals(WHOLE)).toBe(true);
    expect(gunzipSync(z.body).equals(WHOLE)).toBe(true);
  });

  test('an identity request first, then a gzip one on the same render: the gzip decodes to exactly the identity body', async () => {
    const { server, port, go, renders } = await streamingServer();
    const plain = raw(port, 'identity');
    while (server.waiting < 1) await turn();
    const zipped = raw(port, 'gzip');
    while (server.waiting < 2) await turn();
    go();
    const [p, z] = await Promise.all([plain, zipped]);
    expect(renders()).toBe(1);
    expect(p.body.equals(WHOLE)).toBe(true);
    expect(gunzipSync(z.body).equals(p.body)).toBe(true);
  });

  test('a rendering that throws midway answers 500 to the gzip request, and the next request is served', async () => {
    const failing = await streamingServer({ failAfter: 120 });
    const zipped = raw(failing.port, 'gzip');
    while (failing.server.waiting < 1) await turn();
    failing.go();
    const z = await zipped;
    expect(z.status).toBe(500);
    expect(z.body.toString()).toBe('Collecting metrics failed: rendering broke\n');
    const next = await raw(failing.port, 'gzip');
    expect([next.status, failing.renders()]).toEqual([200, 2]);
    expect(gunzipSync(next.body).equals(WHOLE)).toBe(true);
  });

  test('a render call that throws before returning answers 500 to the gzip request, and the next request is served', async () => {
    const failing = await streamingServer({ throwAtOnce: true });
    failing.go();
    const z = await raw(failing.port, 'gzip');
    expect(z.status).toBe(500);
    expect(z.body.toString()).toBe('Collecting metrics failed: render threw\n');
    const next = await raw(failing.port, 'gzip');
    expect([next.status, failing.renders()]).toEqual([200, 2]);
    expect(gunzipSync(next.body).equals(WHOLE)).toBe(true);
  });

  test(`compresses at level ${GZIP_LEVEL}, the fastest, as the gzip header's XFL byte says (4: fastest)`, async () => {
    expect(GZIP_LEVEL).toBe(1);
    const zipped = await gzipChunks(CHUNKS);
    // RFC 1952 §2.3.1: XFL = 4 when the compressor used the fastest algorithm.
    expect(zipped[8]).toBe(4);
    expect(gunzipSync(zipped).equals(WHOLE)).toBe(true);
  });

  test('a body of several megabytes, strings and bytes mixed, goes to zlib in batches and decodes to the same bytes', async () => {
    const parts: Array<string | Buffer> = [];
    for (let i = 0; i < 2500; i++) parts.push(i % 7 === 0 ? `# séries ${i} ✓\n`.repeat(200) : CHUNKS[i % CHUNKS.length]!);
    const whole = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    expect(whole.length).toBeGreaterThan(3 * (1 << 20));
    expect(gunzipSync(await gzipChunks(parts)).equals(whole)).toBe(true);
  });

  test("start()'s /metrics: a gzip scrape of 2,000 series decodes to exactly the identity scrape, at a tenth of its size or less", async () => {
    handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false });
    const meter = handle.meterProvider!.getMeter('gzip');
    const orders = meter.createCounter('orders');
    const latency = meter.createHistogram('latency', { unit: 's' });
    for (let i = 0; i < 1000; i++) {
      orders.add(i, { shop: `café-${i}-✓` });
      latency.record(i / 1000, { shop: `café-${i}-✓` });
    }
    const plain = await raw(handle.port!, 'identity');
    const zipped = await raw(handle.port!, 'gzip');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('Accept, Accept-Encoding');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(plain.body.toString('utf8').match(/^orders_total\{/gm)).toHaveLength(1000);
    expect(zipped.body.length * 10).toBeLessThanOrEqual(plain.body.length);
  });
});
