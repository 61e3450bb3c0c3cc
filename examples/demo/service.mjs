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
// HTTP server metrics need nothing here: promkit records every request and turns the path into
// a route template (`/users/1234` → `/users/:id`, a 404 → `/*unmatched`), so raw ids never
// become label values. A router whose ids are not numeric, UUIDs or hex would call
// `setRoute(request, '/quotes/:sku')` (from 'promkit') with the template it matched.
import { createServer } from 'node:http';
import { PGlite } from '@electric-sql/pglite';
import { LRUCache } from 'lru-cache';
import OpenAI from 'openai';
import CircuitBreaker from 'opossum';
import { metrics } from 'promkit';
import { instrumentOpenAI } from 'promkit/openai';
import { instrumentOpossum } from 'promkit/opossum';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);
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

/** One query, timed as `db.client.operation.duration` with its verb and table, never its text. */
function query(operation, collection, sql, params = []) {
  return metrics.db.track(
    { system: 'postgresql', operation, collection, namespace: 'postgres' },
    () => db.query(sql, params),
    { rows: (result) => result.rows.length, statusCode: (error) => error?.code },
  );
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
  await sleep(REPORT_DELAY_MS);
  const { rows } = await query(
    'SELECT',
    'orders',
    'SELECT count(*)::int AS orders, coalesce(sum(total), 0)::float AS spent FROM orders WHERE user_id = $1',
    [1 + (Number(id) % 200)],
  );
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

server.listen(PORT, HOST, () => {
  // The parent (examples/demo/main.mjs, the e2e test) reads the bound port from this line.
  console.log(`listening ${server.address().port}`);
});
