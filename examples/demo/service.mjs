// The demo service: a plain `node:http` app that exercises every promkit domain with real parts.
// Start it with the preload, which serves the metrics and records HTTP automatically:
//
//   LLM_BASE_URL=http://127.0.0.1:8081/v1 UPSTREAM_URL=http://127.0.0.1:8082 \
//     node --import ./register.js examples/demo/service.mjs
//
// (`npm run demo` starts it together with the fake LLM, the flaky upstream and traffic.)
//
//   GET  /users/:id    lru-cache in front of PGlite: cache hits, misses, evictions, size, entries
//   GET  /orders/:id   PGlite; every 8th order is "archived" in a table that does not exist → 500
//   POST /orders       PGlite INSERT
//   GET  /reports/:id  a slow report (~300 ms) over PGlite: the latency histogram's known bucket
//   POST /chat         streams through the real `openai` client from the local fake LLM server
//   GET  /quotes/:id   an opossum breaker around the flaky pricing upstream, with a fallback
//   anything else      404, recorded under the single route "/*unmatched"
//
// and, on a second port (EVENTS_PORT), an HTTP/2 (h2c) server:
//
//   POST /events       a batch of analytics events, recorded by hand with its body sizes
//
// Every query borrows a connection from a small pool reported through `metrics.db.pool`.
//
// HTTP/1.1 server metrics need nothing here: promkit records every request and turns the path
// into a route template (`/users/1234` → `/users/:id`, a 404 → `/*unmatched`), so raw ids never
// become label values. A router whose ids are not numeric, UUIDs or hex would call
// `setRoute(request, '/quotes/:sku')` (from 'promkit') with the template it matched. The
// automatic path does not see `node:http2` servers, so `/events` shows the manual API.
import { createServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { PGlite } from '@electric-sql/pglite';
import { LRUCache } from 'lru-cache';
import OpenAI from 'openai';
import CircuitBreaker from 'opossum';
import { metrics } from 'promkit';
import { instrumentOpenAI } from 'promkit/openai';
import { instrumentOpossum } from 'promkit/opossum';
import { createPool } from './pool.mjs';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);
/** The HTTP/2 events server; by default the port after PORT (any free port when PORT is 0). */
const EVENTS_PORT = Number(process.env.EVENTS_PORT ?? (PORT === 0 ? 0 : PORT + 1));
const LLM_BASE_URL = required('LLM_BASE_URL');
const UPSTREAM_URL = required('UPSTREAM_URL');
/** Artificial latency of `/reports/:id`; 300 ms lands in the (0.25, 0.5] bucket of http.server.request.duration. */
const REPORT_DELAY_MS = Number(process.env.REPORT_DELAY_MS ?? 300);

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`demo service: set ${name} (npm run demo sets it for you)`);
    process.exit(2);
  }
  return value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- Database: PostgreSQL in WebAssembly, timed through metrics.db -----------------------------

const db = new PGlite();
await db.exec(`
  CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL);
  INSERT INTO users SELECT i, 'user ' || i, CASE WHEN i % 5 = 0 THEN 'pro' ELSE 'free' END FROM generate_series(1, 200) AS i;
  CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users, total numeric NOT NULL);
  INSERT INTO orders (user_id, total) SELECT 1 + i % 200, (i * 37) % 500 / 10.0 FROM generate_series(1, 400) AS i;
`);

/** Every query borrows one of 4 connections: db_client_connection_* come from this pool. */
const pool = createPool({ name: 'pglite', connection: db, max: 4, acquireTimeoutMs: 5000 });

/** One query on `connection`, timed as `db.client.operation.duration` with its verb and table, never its text. */
function queryOn(connection, operation, collection, sql, params = []) {
  return metrics.db.track(
    { system: 'postgresql', operation, collection, namespace: 'postgres' },
    () => connection.query(sql, params),
    { rows: (result) => result.rows.length, statusCode: (error) => error?.code },
  );
}

/** One query on a connection borrowed for just that query. */
function query(operation, collection, sql, params = []) {
  return pool.use((connection) => queryOn(connection, operation, collection, sql, params));
}

// --- Cache: lru-cache, instrumented through metrics.cache('users') -----------------------------

const userCache = metrics.cache('users');
const users = new LRUCache({
  max: 40,
  maxSize: 64 * 1024,
  sizeCalculation: (value) => Buffer.byteLength(JSON.stringify(value)),
  // Only capacity evictions count as evictions; overwrites and deletes are not.
  dispose: (_value, _key, reason) => {
    if (reason === 'evict') userCache.evict();
  },
});
function publishCacheGauges() {
  userCache.setEntries(users.size);
  userCache.setSize(users.calculatedSize);
}
publishCacheGauges();

// --- LLM: the real openai client against the local OpenAI-compatible server ---------------------

const openai = new OpenAI({ apiKey: 'demo-key', baseURL: LLM_BASE_URL, maxRetries: 0 });
// Every call through this client is recorded: duration, tokens, time to first chunk and per chunk,
// and a refused request (429) by its error type. server.address comes from the base URL.
instrumentOpenAI(openai, { provider: 'openai' });

// --- Circuit breaker: opossum around the flaky pricing upstream ---------------------------------

async function fetchPrice(id) {
  const response = await fetch(`${UPSTREAM_URL}/prices/${id}`);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`pricing answered ${response.status}`);
  }
  return response.json();
}
const pricing = new CircuitBreaker(fetchPrice, {
  name: 'pricing',
  timeout: 800,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingCountTimeout: 5000,
  rollingCountBuckets: 5,
  resetTimeout: 4000,
});
pricing.fallback((id) => ({ id: Number(id), price: null, stale: true }));
instrumentOpossum(pricing); // circuit_breaker.name "pricing", from the breaker's name
const breakerState = () => (pricing.opened ? 'open' : pricing.halfOpen ? 'half_open' : 'closed');

// --- Routes --------------------------------------------------------------------------------------

async function getUser(response, id) {
  const key = Number(id);
  let user = userCache.track('get', () => users.get(key), { hit: (value) => value !== undefined });
  const hit = user !== undefined;
  if (!hit) {
    const { rows } = await query('SELECT', 'users', 'SELECT id, name, plan FROM users WHERE id = $1', [key]);
    user = rows[0];
    if (user === undefined) return send(response, 404, { error: 'no such user' });
    userCache.track('set', () => users.set(key, user));
    publishCacheGauges();
  }
  send(response, 200, user, { 'x-cache': hit ? 'hit' : 'miss' });
}

async function getOrder(response, id) {
  // Archived orders live in a table a migration forgot to create: a real PostgreSQL error (42P01).
  const table = Number(id) % 8 === 0 ? 'order_archive' : 'orders';
  const { rows } = await query('SELECT', table, `SELECT id, user_id, total FROM ${table} WHERE id = $1`, [Number(id)]);
  send(response, rows.length > 0 ? 200 : 404, rows[0] ?? { error: 'no such order' });
}

async function createOrder(request, response) {
  const body = await readJson(request);
  const userId = 1 + (Number(body.userId) || 0) % 200;
  const { rows } = await query('INSERT', 'orders', 'INSERT INTO orders (user_id, total) VALUES ($1, $2) RETURNING id', [userId, 9.5]);
  send(response, 201, rows[0]);
}

async function getReport(response, id) {
  // The report holds its connection while it works, so its lease lasts at least REPORT_DELAY_MS.
  const { rows } = await pool.use(async (connection) => {
    await sleep(REPORT_DELAY_MS);
    return queryOn(
      connection,
      'SELECT',
      'orders',
      'SELECT count(*)::int AS orders, coalesce(sum(total), 0)::float AS spent FROM orders WHERE user_id = $1',
      [1 + (Number(id) % 200)],
    );
  });
  send(response, 200, rows[0]);
}

async function chat(request, response) {
  const body = await readJson(request);
  const model = typeof body.model === 'string' ? body.model : 'demo-mini';
  let reply = '';
  let usage;
  try {
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: String(body.prompt ?? 'Why measure?') }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      reply += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
  } catch (error) {
    return send(response, 502, { error: `LLM call failed: ${error.message}` });
  }
  send(response, 200, { model, reply, usage });
}

async function getQuote(response, id) {
  const quote = await pricing.fire(id);
  send(response, 200, quote, { 'x-breaker-state': breakerState() });
}

const ROUTES = [
  ['GET', /^\/users\/(\d+)$/, (_req, res, id) => getUser(res, id)],
  ['GET', /^\/orders\/(\d+)$/, (_req, res, id) => getOrder(res, id)],
  ['POST', /^\/orders$/, (req, res) => createOrder(req, res)],
  ['GET', /^\/reports\/(\d+)$/, (_req, res, id) => getReport(res, id)],
  ['POST', /^\/chat$/, (req, res) => chat(req, res)],
  ['GET', /^\/quotes\/(\d+)$/, (_req, res, id) => getQuote(res, id)],
];

const server = createServer(async (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  const route = ROUTES.find(([method, pattern]) => method === request.method && pattern.test(path));
  if (route === undefined) return send(response, 404, { error: 'not found' });
  try {
    await route[2](request, response, ...route[1].exec(path).slice(1));
  } catch (error) {
    send(response, 500, { error: error.message });
  }
});

function send(response, status, body, headers = {}) {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function readJson(request) {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(text || '{}'));
      } catch {
        resolve({});
      }
    });
  });
}

// --- HTTP/2 events endpoint, recorded through the manual API -------------------------------------

/** The last events received; a real service would forward them to a queue. */
const recentEvents = [];

async function receiveEvents(request, response) {
  const started = performance.now();
  const inFlight = metrics.http.activeRequest({ method: request.method, scheme: 'http' });
  let requestBodySize = 0;
  let text = '';
  for await (const chunk of request) {
    requestBodySize += chunk.length;
    text += chunk;
  }
  let status = 202;
  let reply;
  try {
    const { events } = JSON.parse(text);
    if (!Array.isArray(events)) throw new Error('"events" must be an array');
    recentEvents.push(...events);
    recentEvents.splice(0, recentEvents.length - 1000);
    reply = { accepted: events.length, ids: events.map((event) => event.id) };
  } catch (error) {
    status = 400;
    reply = { error: error.message };
  }
  const body = JSON.stringify(reply);
  const durationS = (performance.now() - started) / 1000;
  // The exact value recorded, so the e2e test can check which bucket each request landed in.
  response.writeHead(status, { 'content-type': 'application/json', 'x-recorded-duration-s': String(durationS) });
  response.end(body);
  metrics.http.recordServerRequest({
    method: request.method,
    route: '/events',
    statusCode: status,
    durationS,
    scheme: 'http',
    protocolVersion: '2',
    requestBodySize,
    responseBodySize: Buffer.byteLength(body),
  });
  inFlight();
}

const events = createHttp2Server((request, response) => {
  if (request.method === 'POST' && request.url === '/events') return void receiveEvents(request, response);
  const started = performance.now();
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: 'not found' }));
  // A raw path is normalised: a 404 lands in the one unmatched route.
  const durationS = (performance.now() - started) / 1000;
  metrics.http.recordServerRequest({ method: request.method, path: request.url, statusCode: 404, durationS, scheme: 'http', protocolVersion: '2' });
});

server.listen(PORT, HOST, () => {
  events.listen(EVENTS_PORT, HOST, () => {
    // The parent (examples/demo/main.mjs, the e2e test) reads the bound ports from these lines.
    console.log(`listening ${server.address().port}`);
    console.log(`listening http2 ${events.address().port}`);
  });
});
