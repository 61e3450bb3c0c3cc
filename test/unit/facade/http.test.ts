import { describe, expect, it } from 'vitest';
import { createHttpFacade, normalizeMethod, type HttpFacade } from '../../../src/facade/http/http.js';
import { createRouteNormalizer, UNMATCHED_ROUTE } from '../../../src/facade/http/route.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

const SERVER = 'http.server.request.duration';
const CLIENT = 'http.client.request.duration';

let t: TestMetrics;
let http: HttpFacade;

useTestMetrics((fresh) => {
  t = fresh;
  http = createHttpFacade(fresh.core);
});

describe('normalizeMethod', () => {
  it('upper-cases known methods and folds everything else into _OTHER', () => {
    expect(normalizeMethod('get')).toBe('GET');
    expect(normalizeMethod('PATCH')).toBe('PATCH');
    expect(normalizeMethod('Query')).toBe('QUERY');
    expect(normalizeMethod('PURGE')).toBe('_OTHER');
    expect(normalizeMethod('')).toBe('_OTHER');
    expect(normalizeMethod(undefined as unknown as string)).toBe('_OTHER');
  });
});

describe('recordServerRequest', () => {
  it('records duration with exact buckets and the semconv attributes', async () => {
    http.recordServerRequest({ method: 'get', route: '/users/:id', statusCode: 200, durationS: 0.02, scheme: 'https', protocolVersion: '1.1' });
    http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.3, scheme: 'https', protocolVersion: '1.1' });
    const labels = {
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'http.route': '/users/:id',
      'url.scheme': 'https',
      'network.protocol.version': '1.1',
    };
    const h = await t.getHistogram(SERVER, labels);
    expect(h?.count).toBe(2);
    expect(h?.sum).toBeCloseTo(0.32, 12);
    // le: 0.005 0.01 0.025 0.05 0.075 0.1 0.25 0.5 0.75 1 2.5 5 7.5 10 +Inf (cumulative)
    expect(h?.buckets.map((b) => b.count)).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('defaults error.type to the status code for 5xx only', async () => {
    http.recordServerRequest({ method: 'POST', route: '/orders', statusCode: 503, durationS: 1 });
    http.recordServerRequest({ method: 'POST', route: '/orders', statusCode: 404, durationS: 1 });
    http.recordServerRequest({ method: 'POST', route: '/orders', statusCode: 500, durationS: 1, errorType: 'TimeoutError' });
    const base = { 'http.request.method': 'POST', 'http.route': '/orders' };
    expect((await t.getHistogram(SERVER, { ...base, 'http.response.status_code': 503, 'error.type': '503' }))?.count).toBe(1);
    expect((await t.getHistogram(SERVER, { ...base, 'http.response.status_code': 404 }))?.count).toBe(1);
    expect((await t.getHistogram(SERVER, { ...base, 'http.response.status_code': 500, 'error.type': 'TimeoutError' }))?.count).toBe(1);
  });

  it('records request and response body sizes with the same attributes', async () => {
    http.recordServerRequest({ method: 'PUT', route: '/files/:id', statusCode: 201, durationS: 0.1, requestBodySize: 2048, responseBodySize: 50 });
    const labels = { 'http.request.method': 'PUT', 'http.response.status_code': 201, 'http.route': '/files/:id' };
    const req = await t.getHistogram('http.server.request.body.size', labels);
    const res = await t.getHistogram('http.server.response.body.size', labels);
    expect(req).toMatchObject({ count: 1, sum: 2048 });
    // le: 100 1024 10240 102400 1048576 10485760 +Inf
    expect(req?.buckets.map((b) => b.count)).toEqual([0, 0, 1, 1, 1, 1, 1]);
    expect(res).toMatchObject({ count: 1, sum: 50 });
    expect(res?.buckets.map((b) => b.count)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('passes routes through the normaliser, and collapses a raw path that 404s', async () => {
    http.recordServerRequest({ method: 'GET', route: '/users/42', statusCode: 200, durationS: 0.5 });
    http.recordServerRequest({ method: 'GET', path: '/users/43?tab=1', statusCode: 200, durationS: 0.5 });
    http.recordServerRequest({ method: 'GET', path: '/wp-login.php', statusCode: 404, durationS: 0.5 });
    http.recordServerRequest({ method: 'GET', path: '/.env', statusCode: 404, durationS: 0.5 });
    const base = { 'http.request.method': 'GET' };
    expect((await t.getHistogram(SERVER, { ...base, 'http.response.status_code': 200, 'http.route': '/users/:id' }))?.count).toBe(2);
    expect((await t.getHistogram(SERVER, { ...base, 'http.response.status_code': 404, 'http.route': UNMATCHED_ROUTE }))?.count).toBe(2);
    expect(await t.scrapeText()).not.toContain('wp-login');
  });

  it('uses a configured normaliser (allow-list)', async () => {
    const strict = createHttpFacade(t.core, { normalizeRoute: createRouteNormalizer({ routes: ['/health'] }) });
    strict.recordServerRequest({ method: 'GET', path: '/health', statusCode: 200, durationS: 0.001 });
    strict.recordServerRequest({ method: 'GET', path: '/admin', statusCode: 200, durationS: 0.001 });
    const base = { 'http.request.method': 'GET', 'http.response.status_code': 200 };
    expect((await t.getHistogram(SERVER, { ...base, 'http.route': '/health' }))?.count).toBe(1);
    expect((await t.getHistogram(SERVER, { ...base, 'http.route': UNMATCHED_ROUTE }))?.count).toBe(1);
  });

  it('types reject unknown keys and a route together with a path; at run time extra keys are ignored', async () => {
    // @ts-expect-error `url` is not an attribute the manual API accepts
    http.recordServerRequest({ method: 'GET', route: '/', statusCode: 200, durationS: 0, url: '/x?y' });
    // @ts-expect-error give either a route or a path, not both
    http.recordServerRequest({ method: 'GET', route: '/', path: '/x', statusCode: 200, durationS: 0 });
    const h = await t.getHistogram(SERVER, { 'http.request.method': 'GET', 'http.response.status_code': 200, 'http.route': '/' });
    expect(h?.count).toBe(2);
    expect(await t.scrapeText()).not.toContain('/x');
  });
});

describe('recordClientRequest', () => {
  it('records duration with server address, port and status', async () => {
    http.recordClientRequest({ method: 'post', serverAddress: 'api.openai.com', serverPort: 443, statusCode: 200, durationS: 1.5 });
    const h = await t.getHistogram(CLIENT, {
      'http.request.method': 'POST',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'http.response.status_code': 200,
    });
    expect(h).toMatchObject({ count: 1, sum: 1.5 });
    expect(h?.buckets.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('defaults error.type to the status code for 4xx and 5xx, and keeps a given one without status', async () => {
    http.recordClientRequest({ method: 'GET', serverAddress: 'a.test', statusCode: 429, durationS: 0.25 });
    http.recordClientRequest({ method: 'GET', serverAddress: 'a.test', statusCode: 302, durationS: 0.25 });
    http.recordClientRequest({ method: 'GET', serverAddress: 'a.test', durationS: 0.25, errorType: 'ECONNREFUSED' });
    const base = { 'http.request.method': 'GET', 'server.address': 'a.test' };
    expect((await t.getHistogram(CLIENT, { ...base, 'http.response.status_code': 429, 'error.type': '429' }))?.count).toBe(1);
    expect((await t.getHistogram(CLIENT, { ...base, 'http.response.status_code': 302 }))?.count).toBe(1);
    expect((await t.getHistogram(CLIENT, { ...base, 'error.type': 'ECONNREFUSED' }))?.count).toBe(1);
  });
});

describe('activeRequest', () => {
  it('counts in-flight requests; end is idempotent', async () => {
    const labels = { 'http.request.method': 'GET', 'url.scheme': 'http' };
    const endA = http.activeRequest({ method: 'GET', scheme: 'http' });
    const endB = http.activeRequest({ method: 'get', scheme: 'http' });
    expect(await t.getValue('http.server.active_requests', labels)).toBe(2);
    endA();
    endA();
    expect(await t.getValue('http.server.active_requests', labels)).toBe(1);
    endB();
    expect(await t.getValue('http.server.active_requests', labels)).toBe(0);
  });

  it('omits url.scheme when not given', async () => {
    const end = http.activeRequest({ method: 'DELETE' });
    expect(await t.getValue('http.server.active_requests', { 'http.request.method': 'DELETE' })).toBe(1);
    end();
    expect(await t.getValue('http.server.active_requests', { 'http.request.method': 'DELETE' })).toBe(0);
  });
});

describe('bad input', () => {
  it('drops a NaN duration without throwing and without a series', async () => {
    expect(() => http.recordServerRequest({ method: 'GET', route: '/', statusCode: 200, durationS: Number.NaN })).not.toThrow();
    expect(await t.getHistogram(SERVER, { 'http.request.method': 'GET', 'http.response.status_code': 200, 'http.route': '/' })).toBeUndefined();
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': SERVER, 'promkit.reason': 'not_a_number' })).toBe(1);
  });
});
