/**
 * `/metrics/ui` over HTTP: served behind the endpoints' auth (with `?token=` for a bearer token,
 * on this page only), static (no collection, an ETag and a 304 on reload), with a policy that
 * lets the browser fetch nothing but the service, and off with `ui: false` / `PROMKIT_UI=false`.
 * What the page draws is checked in a real browser by test/servers/ui-browser.test.ts.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { CATALOGUE } from '../../../src/catalogue/index.js';
import { resolveConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { ScrapeServer } from '../../../src/server/server.js';
import { PAGE_SCRIPT } from '../../../src/server/ui/client.js';
import { uiPage } from '../../../src/server/ui/page.js';
import type { StartOptions } from '../../../src/config.js';
import { start, type PromkitHandle } from '../../../src/start.js';

let handle: PromkitHandle | undefined;
const servers: Array<ScrapeServer<string>> = [];
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false, quiet: true } as const;

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startLocal(options: StartOptions = {}): Promise<number> {
  handle = await start({ ...LOCAL, ...options });
  return handle.port!;
}

const basic = (credentials: string) => ({ Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

describe('/metrics/ui', () => {
  test('serves the page as HTML with its script, a Content-Security-Policy that allows only the service, and an ETag', async () => {
    const port = await startLocal();
    const page = await raw(port, '/metrics/ui');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toBe(uiPage().body);
    expect(page.body.toString()).toContain(PAGE_SCRIPT);
    const csp = page.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('private, no-cache');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
  });

  test('names no address outside the service: its only absolute URL is the SVG namespace', () => {
    const urls = uiPage().body.match(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>)]*/gi) ?? [];
    expect([...new Set(urls)]).toEqual(['http://www.w3.org/2000/svg']);
    // It fetches its data relative to its own address, so any endpoint path works.
    expect(PAGE_SCRIPT).toContain("get('json?' + query())");
    expect(PAGE_SCRIPT).toContain("get('ui/history?' + query())");
    expect(PAGE_SCRIPT).toContain("get('health')");
  });

  test('asks /metrics/json only for catalogue metrics, and reads every metric it asks for', () => {
    const list = /var METRICS = \[([^\]]*)\]/.exec(PAGE_SCRIPT)?.[1] ?? '';
    const asked = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(asked.length).toBe(18);
    const catalogue = new Set(CATALOGUE.map((definition) => definition.name));
    expect(asked.filter((name) => !catalogue.has(name))).toEqual([]);
    for (const name of asked) expect(PAGE_SCRIPT, name).toContain(`case '${name}':`);
  });

  test('answers a reload that sends its ETag with a 304 and no body', async () => {
    const port = await startLocal();
    const first = await raw(port, '/metrics/ui');
    const again = await raw(port, '/metrics/ui', { 'If-None-Match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    const other = await raw(port, '/metrics/ui', { 'If-None-Match': 'W/"something-else"' });
    expect(other.status).toBe(200);
  });

  test('is gzipped for clients that accept it, under the same ETag', async () => {
    const port = await startLocal();
    const plain = await raw(port, '/metrics/ui');
    const zipped = await raw(port, '/metrics/ui', { 'Accept-Encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(uiPage().body);
    expect(zipped.headers.etag).toBe(plain.headers.etag);
    expect(zipped.headers.vary).toBe('Accept-Encoding');
  });

  test('is not served with ui: false, nor with PROMKIT_UI=false', async () => {
    const port = await startLocal({ ui: false });
    expect((await raw(port, '/metrics/ui')).status).toBe(404);
    expect((await raw(port, '/metrics/json')).status).toBe(200);
    expect(resolveConfig({}, { PROMKIT_UI: 'false' }).ui).toBe(false);
    expect(resolveConfig({}, { PROMKIT_UI: 'TRUE' }).ui).toBe(true);
    expect(resolveConfig({}, {}).ui).toBe(true);
    expect(resolveConfig({ ui: true }, { PROMKIT_UI: 'false' }).ui).toBe(true);
  });

  test('refuses a PROMKIT_UI that is not a boolean, naming the variable', () => {
    expect(() => resolveConfig({}, { PROMKIT_UI: 'off' })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { PROMKIT_UI: 'off' })).toThrow(/PROMKIT_UI.*"off" is not a boolean/);
  });

  test('with basic auth: 401 with a Basic challenge (the browser prompts), 200 with the credentials', async () => {
    const port = await startLocal({ basicAuth: 'ops:s3cret' });
    const refused = await raw(port, '/metrics/ui');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic /);
    expect(refused.body.toString()).toBe('Unauthorized.\n');
    expect((await raw(port, '/metrics/ui', basic('ops:wrong'))).status).toBe(401);
    expect((await raw(port, '/metrics/ui', basic('ops:s3cret'))).status).toBe(200);
  });

  test('with a bearer token: the page accepts it as ?token= or as a header; a wrong or missing token gets 401', async () => {
    const port = await startLocal({ authToken: 'tok-123' });
    expect((await raw(port, '/metrics/ui')).status).toBe(401);
    expect((await raw(port, '/metrics/ui?token=tok-12')).status).toBe(401);
    expect((await raw(port, '/metrics/ui?token=tok-123')).status).toBe(200);
    expect((await raw(port, '/metrics/ui', { Authorization: 'Bearer tok-123' })).status).toBe(200);
    // A header, when sent, is what counts.
    expect((await raw(port, '/metrics/ui?token=tok-123', { Authorization: 'Bearer wrong' })).status).toBe(401);
  });

  test('the data endpoints never take the token from the query: the page sends it as a header', async () => {
    const port = await startLocal({ authToken: 'tok-123' });
    for (const path of ['/metrics', '/metrics/json', '/metrics/health', '/nowhere']) {
      expect((await raw(port, `${path}?token=tok-123`)).status).toBe(401);
    }
    expect((await raw(port, '/metrics/json', { Authorization: 'Bearer tok-123' })).status).toBe(200);
    expect(PAGE_SCRIPT).toContain("Authorization: 'Bearer ' + token");
  });

  test('with basic auth, ?token= opens nothing', async () => {
    const port = await startLocal({ basicAuth: 'ops:s3cret' });
    expect((await raw(port, '/metrics/ui?token=ops:s3cret')).status).toBe(401);
  });
});

describe('a static route on the scrape server', () => {
  test('is served without a collection, so a hundred page loads cost the service no scrape', async () => {
    let collections = 0;
    const server = new ScrapeServer<string>({
      host: '127.0.0.1',
      port: 0,
      endpoint: '/metrics',
      collect: async () => {
        collections++;
        return 'collected';
      },
      routes: [
        { path: '/metrics', render: (body) => ({ status: 200, contentType: 'text/plain', body }) },
        { path: '/page', static: () => ({ contentType: 'text/html', body: '<p>page</p>' }), render: () => ({ status: 200, contentType: 'text/html', body: '<p>page</p>' }) },
      ],
    });
    servers.push(server);
    await server.listen();
    const pages = await Promise.all(Array.from({ length: 100 }, () => raw(server.port!, '/page')));
    expect(pages.map((p) => p.body.toString())).toEqual(Array(100).fill('<p>page</p>'));
    expect(collections).toBe(0);
    expect((await raw(server.port!, '/metrics')).body.toString()).toBe('collected');
    expect(collections).toBe(1);
    expect((await raw(server.port!, '/page', {}, 'HEAD')).body.length).toBe(0);
    expect((await raw(server.port!, '/page', {}, 'POST')).status).toBe(405);
  });
});
