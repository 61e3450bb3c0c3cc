import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { ScrapeServer, type Route } from '../../../src/server/server.js';
import { start, type PromkitHandle } from '../../../src/start.js';

let handle: PromkitHandle | undefined;
const servers: Array<ScrapeServer<string>> = [];
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;
const PATHS = ['/metrics', '/metrics/json', '/metrics/health'];

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A raw request: unlike fetch, it neither decompresses nor hides the body of a HEAD. */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server over a collection the test releases by hand, counting collections and renders. */
async function manualServer(routes: readonly string[] = ['/metrics']) {
  let collections = 0;
  let renders = 0;
  let release: ((body: string) => void) | undefined;
  const server = new ScrapeServer<string>({
    host: '127.0.0.1',
    port: 0,
    endpoint: '/metrics',
    collect: () => {
      collections++;
      return new Promise<string>((resolve) => (release = resolve));
    },
    routes: routes.map((path): Route<string> => ({
      path,
      render: (body) => {
        renders++;
        return { status: 200, contentType: 'text/plain; charset=utf-8', body };
      },
    })),
  });
  servers.push(server);
  await server.listen();
  return {
    server,
    port: server.port!,
    counts: () => ({ collections, renders }),
    release: (body: string) => release!(body),
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('binding', () => {
  test('defaults to localhost, a loopback address, never all interfaces', async () => {
    const config = resolveConfig({ port: 0 }, {});
    expect(config.host).toBe('localhost');
    const server = new ScrapeServer<string>({ host: config.host, port: 0, endpoint: '/metrics', collect: async () => '', routes: [] });
    servers.push(server);
    await server.listen();
    expect(['127.0.0.1', '::1']).toContain(server.address);
  });
});

describe('authentication', () => {
  test('a bearer token guards all three endpoints: 401 with a challenge without it, 200 with it', async () => {
    handle = await start({ ...LOCAL, authToken: 's3cret-token' });
    for (const path of [...PATHS, '/unknown']) {
      const missing = await raw(handle.port!, path);
      expect([path, missing.status]).toEqual([path, 401]);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="promkit"');
      expect((await raw(handle.port!, path, { headers: { authorization: 'Bearer s3cret-tokeX' } })).status).toBe(401);
      expect((await raw(handle.port!, path, { headers: { authorization: 'Basic czNjcmV0LXRva2Vu' } })).status).toBe(401);
    }
    for (const path of PATHS) {
      expect([path, (await raw(handle.port!, path, { headers: { authorization: 'Bearer s3cret-token' } })).status]).toEqual([path, 200]);
    }
  });

  test('basic auth from PROMKIT_METRICS_BASIC_AUTH (a password may contain ":")', async () => {
    const { auth } = resolveConfig({}, { PROMKIT_METRICS_BASIC_AUTH: 'prometheus:pa:ss' });
    expect(auth).toEqual({ kind: 'basic', username: 'prometheus', password: 'pa:ss' });
    handle = await start({ ...LOCAL, basicAuth: 'prometheus:pa:ss' });
    const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
    const denied = await raw(handle.port!, '/metrics', { headers: basic('prometheus:pa:sx') });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="promkit", charset="UTF-8"');
    for (const path of PATHS) expect((await raw(handle.port!, path, { headers: basic('prometheus:pa:ss') })).status).toBe(200);
  });

  test('reads PROMKIT_METRICS_TOKEN and refuses a token and basic auth together', () => {
    expect(resolveConfig({}, { PROMKIT_METRICS_TOKEN: 'abc' }).auth).toEqual({ kind: 'bearer', token: 'abc' });
    expect(resolveConfig({}, {}).auth).toEqual({ kind: 'none' });
    expect(() => resolveConfig({}, { PROMKIT_METRICS_TOKEN: 'abc', PROMKIT_METRICS_BASIC_AUTH: 'a:b' })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { PROMKIT_METRICS_BASIC_AUTH: 'nopassword' })).toThrow(
      'PROMKIT_METRICS_BASIC_AUTH: expected "user:password" with a non-empty user and password',
    );
  });
});

describe('HTTP semantics', () => {
  test('gzip when asked: the body decodes to the plain body', async () => {
    handle = await start(LOCAL);
    handle.meterProvider!.getMeter('safety').createCounter('cache.hits').add(7, { 'cache.name': 'users' });
    for (const path of PATHS.slice(0, 2)) {
      const plain = await raw(handle.port!, path);
      const zipped = await raw(handle.port!, path, { headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers['vary']).toBe('Accept, Accept-Encoding');
      expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
      const decoded = gunzipSync(zipped.body).toString('utf8');
      if (path === '/metrics') expect(decoded).toBe(plain.body.toString('utf8'));
      // JSON carries a timestamp, so compare everything else.
      else expect({ ...JSON.parse(decoded), timestamp: 0 }).toEqual({ ...JSON.parse(plain.body.toString('utf8')), timestamp: 0 });
    }
    expect((await raw(handle.port!, '/metrics', { headers: { 'accept-encoding': 'gzip;q=0' } })).headers['content-encoding']).toBeUndefined();
  });

  test('a body of many chunks is sent chunked, and its gzip decodes to the same bytes, non-ASCII included', async () => {
    handle = await start(LOCAL);
    const orders = handle.meterProvider!.getMeter('safety').createCounter('orders');
    for (let i = 0; i < 1500; i++) orders.add(i, { shop: `café-${i}-✓` });
    const plain = await raw(handle.port!, '/metrics');
    const zipped = await raw(handle.port!, '/metrics', { headers: { 'accept-encoding': 'gzip' } });
    expect([plain.headers['transfer-encoding'], plain.headers['content-length']]).toEqual(['chunked', undefined]);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    const text = plain.body.toString('utf8');
    expect(text).toContain('orders_total{shop="café-1499-✓"} 1499\n');
    expect(text.match(/^orders_total\{/gm)).toHaveLength(1500);
  });

  test('HEAD answers with the headers of GET and no body', async () => {
    const { server, port, release } = await manualServer();
    const head = raw(port, '/metrics', { method: 'HEAD' });
    while (server.waiting < 1) await turn();
    release('up 1\n');
    const response = await head;
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe('5');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body.length).toBe(0);
  });

  test('404 for unknown paths, 405 with Allow for other methods', async () => {
    handle = await start(LOCAL);
    const missing = await raw(handle.port!, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('Not found. Metrics are at /metrics\n');
    for (const path of PATHS) {
      const post = await raw(handle.port!, path, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers['allow']).toBe('GET, HEAD');
    }
  });
});

describe('one collection at a time', () => {
  test('concurrent requests on all endpoints share one collection and one render per endpoint', async () => {
    const { server, port, counts, release } = await manualServer(['/metrics', '/metrics/json']);
    const pending = [
      ...Array.from({ length: 4 }, () => raw(port, '/metrics')),
      raw(port, '/metrics/json'),
      raw(port, '/metrics', { headers: { 'accept-encoding': 'gzip' } }),
    ];
    while (server.waiting < pending.length) await turn();
    expect(counts()).toEqual({ collections: 1, renders: 0 });
    release('shared 1\n');
    const responses = await Promise.all(pending);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(responses.slice(0, 5).map((r) => r.body.toString())).toEqual(Array(5).fill('shared 1\n'));
    expect(gunzipSync(responses[5]!.body).toString()).toBe('shared 1\n');
    expect(counts()).toEqual({ collections: 1, renders: 2 });

    // Once it is done, the next request starts a new collection.
    const next = raw(port, '/metrics');
    while (server.waiting < 1) await turn();
    release('fresh 2\n');
    expect((await next).body.toString()).toBe('fresh 2\n');
    expect(counts()).toEqual({ collections: 2, renders: 3 });
  });

  test('a failed collection answers 500 to everyone waiting, and the next request retries', async () => {
    let attempt = 0;
    const server = new ScrapeServer<string>({
      host: '127.0.0.1',
      port: 0,
      endpoint: '/metrics',
      collect: async () => {
        if (++attempt === 1) throw new Error('reader is shut down');
        return 'ok 1\n';
      },
      routes: [{ path: '/metrics', render: (body) => ({ status: 200, contentType: 'text/plain', body }) }],
    });
    servers.push(server);
    await server.listen();
    const failed = await raw(server.port!, '/metrics');
    expect([failed.status, failed.body.toString()]).toEqual([500, 'Collecting metrics failed: reader is shut down\n']);
    expect((await raw(server.port!, '/metrics')).body.toString()).toBe('ok 1\n');
  });
});
