/**
 * The framework matrix: each real app (test/fixtures/frameworks) started with the preload, in
 * CommonJS and in ESM, driven with known traffic and scraped once. The Node version is the one
 * running this suite (CI runs it on Node 22 and on Node 24).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';

const FRAMEWORKS = ['express5', 'express4', 'fastify5', 'fastify4', 'nest-express', 'nest-fastify', 'koa', 'hono'] as const;
const MODULE_SYSTEMS = [
  ['CommonJS', 'main.cjs'],
  ['ESM', 'main.mjs'],
] as const;
const CASES = FRAMEWORKS.flatMap((framework) => MODULE_SYSTEMS.map(([system, entry]) => [framework, system, entry] as const));

/** 30 slugs no identifier pattern recognises: only a route template can fold them into one series. */
const SLUGS = Array.from({ length: 30 }, (_, i) => `post-${String.fromCharCode(97 + (i % 26))}${i}-title`);
const UNKNOWN = ['/nope/alpha', '/nope/beta', '/wp-login.php'];

let upstream: Server;
let fetchUpstream: Server;
let refusedPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  upstream = createServer((_request, response) => response.end('up'));
  fetchUpstream = createServer((_request, response) => response.end('up'));
  await Promise.all([listen(upstream), listen(fetchUpstream)]);
  const probe = createServer();
  refusedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await Promise.all([upstream, fetchUpstream].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function launch(entry: string, env: Record<string, string>): Promise<AppProcess> {
  return startApp(`test/fixtures/frameworks/${entry}`, {
    UPSTREAM_PORT: String(portOf(upstream)),
    FETCH_PORT: String(portOf(fetchUpstream)),
    REFUSED_PORT: String(refusedPort),
    NODE_ENV: 'test', // Express prints thrown errors otherwise
    ...env,
  });
}

async function scrape(app: AppProcess): Promise<Sample[]> {
  const response = await fetch(app.scrapeUrl!);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text()).samples;
}

/** `method status route error.type` -> count, for every server series. */
function serverCounts(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === 'http_server_request_duration_seconds_count')) {
    const l = s.labels;
    counts[`${l['http_request_method']} ${l['http_response_status_code']} ${l['http_route']} ${l['error_type'] ?? '-'}`] = s.value;
  }
  return counts;
}

/** `port status error.type` -> count, for every client series (all to 127.0.0.1). */
function clientCounts(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === 'http_client_request_duration_seconds_count')) {
    const l = s.labels;
    expect(l['server_address']).toBe('127.0.0.1');
    counts[`${l['server_port']} ${l['http_response_status_code'] ?? '-'} ${l['error_type'] ?? '-'}`] = s.value;
  }
  return counts;
}

describe.concurrent(`framework matrix on Node ${process.version}`, () => {
  test.each(CASES)(
    '%s (%s): 30 slugs on one template, unknown paths unmatched, 500s and throws with error.type, each client call counted once',
    async (framework, _system, entry) => {
      const app = await launch(entry, { FRAMEWORK: framework });
      try {
        const statuses = [];
        for (const slug of SLUGS) statuses.push(...(await hit(app.appPort, `/api/items/${slug}`)));
        expect(statuses).toEqual(SLUGS.map(() => 200));
        for (const path of UNKNOWN) expect(await hit(app.appPort, path)).toEqual([404]);
        expect(await hit(app.appPort, '/api/fail')).toEqual([500]);
        expect(await hit(app.appPort, '/api/throw')).toEqual([500]);
        expect(await hit(app.appPort, '/api/client')).toEqual([200]);

        const samples = await scrape(app);
        expect(serverCounts(samples)).toEqual({
          'GET 200 /api/items/:slug -': 30,
          'GET 404 /*unmatched -': 3,
          'GET 500 /api/fail 500': 1,
          'GET 500 /api/throw 500': 1,
          'GET 200 /api/client -': 1,
        });
        expect(clientCounts(samples)).toEqual({
          [`${portOf(upstream)} 200 -`]: 3, // http.get
          [`${portOf(fetchUpstream)} 200 -`]: 1, // fetch
          [`${refusedPort} - ECONNREFUSED`]: 2, // one http.get and one fetch, same error.type
        });
      } finally {
        await app.stop();
      }
    },
    60_000,
  );
});

describe('instrumentation-http stays selectable for clients', () => {
  test('PROMKIT_HTTP_CLIENT_SOURCE=instrumentation-http registers the ESM loader hook, so an ESM app is counted', async () => {
    const app = await launch('main.mjs', { FRAMEWORK: 'express5', PROMKIT_HTTP_CLIENT_SOURCE: 'instrumentation-http' });
    try {
      expect(await hit(app.appPort, '/api/client')).toEqual([200]);
      const counts = clientCounts(await scrape(app));
      // Without the loader hook the ESM app's named `get` import would be invisible to it: 0.
      expect(counts[`${portOf(upstream)} 200 -`]).toBe(3);
      expect(counts[`${portOf(fetchUpstream)} 200 -`]).toBe(1);
    } finally {
      await app.stop();
    }
  }, 60_000);
});
