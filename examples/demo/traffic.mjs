// The demo's traffic generator: a fixed, repeating mix of requests every `roundMs`, so the
// numbers Prometheus shows can be checked against what was sent. It counts what it sees in the
// responses (status, `x-cache`, `x-breaker-state`, token usage) and keeps a per-second history so
// callers can compute rates and ratios over the same window a PromQL `rate(...[1m])` covers.
// Once stopped and drained, its totals are exactly what the service recorded.
import { connect } from 'node:http2';

/** Events per `/events` batch, in turn: request bodies of ~70 B, ~900 B and ~15 KB. */
const EVENT_BATCHES = [1, 12, 200];

/**
 * One round of requests (round `n`): 14, of which about 2 % are answered with a 5xx. `route`
 * is the template the service's metrics must report for the request; `http2` requests go to the
 * HTTP/2 events server.
 */
export function roundRequests(n) {
  const requests = [];
  const add = (method, path, route, body, http2 = false) => requests.push({ method, path, route, body, http2 });
  for (let k = 0; k < 6; k++) {
    const i = n * 6 + k;
    // 70 % of lookups go to 20 hot users (they stay cached), 30 % to 180 cold ones (misses, evictions).
    add('GET', `/users/${i % 10 < 7 ? 1 + ((i * 7) % 20) : 21 + ((i * 37) % 180)}`, '/users/:id');
  }
  // Every 8th order is archived in a table that does not exist: the service answers 500.
  add('GET', `/orders/${2 * n + 1}`, '/orders/:id');
  add('GET', `/orders/${2 * n + 2}`, '/orders/:id');
  add('GET', `/reports/${1 + (n % 200)}`, '/reports/:id');
  add('POST', '/chat', '/chat', { model: n % 2 === 0 ? 'demo-mini' : 'demo-large', prompt: `question ${n}` });
  add('GET', `/quotes/${1 + (n % 50)}`, '/quotes/:id');
  add('GET', `/quotes/${51 + (n % 50)}`, '/quotes/:id');
  if (n % 2 === 0) add('POST', '/orders', '/orders', { userId: n });
  // Scanners: raw paths that must all collapse into the one unmatched route.
  else add('GET', n % 4 === 1 ? `/wp-admin/${n}.php` : `/api/v0/items/${n}`, '/*unmatched');
  const events = Array.from({ length: EVENT_BATCHES[n % EVENT_BATCHES.length] }, (_, i) => ({
    id: `e${n}-${i}`,
    type: i % 3 === 0 ? 'page_view' : 'click',
    path: `/products/${(n * 31 + i) % 500}`,
  }));
  add('POST', '/events', '/events', { events }, true);
  return requests;
}

/**
 * Running totals. `counts` holds flat counters (`requests`, `status5xx`, `cacheHits`,
 * `tokens:demo-mini:output`, ...); `history` one snapshot of them per second; `events` one entry
 * per answered `/events` request: the duration the service recorded (from `x-recorded-duration-s`)
 * and the body bytes sent and received.
 */
export function createStats() {
  return { started: performance.now(), counts: {}, breaker: 'closed', history: [], events: [] };
}

function count(stats, key, by = 1) {
  stats.counts[key] = (stats.counts[key] ?? 0) + by;
}

/** A copy of the counters at this moment, with `t` in seconds since the stats started. */
export function snapshot(stats) {
  return { t: (performance.now() - stats.started) / 1000, breaker: stats.breaker, ...stats.counts };
}

/** How much each counter grew over the last `seconds` of history (or all of it, when shorter). */
export function windowDelta(stats, seconds) {
  const now = snapshot(stats);
  const from = stats.history.find((entry) => entry.t >= now.t - seconds) ?? { t: 0 };
  const delta = { seconds: now.t - from.t };
  for (const [key, value] of Object.entries(stats.counts)) delta[key] = value - (from[key] ?? 0);
  return delta;
}

/** One request over the HTTP/2 session: resolves with the status, headers and body text. */
function sendHttp2(session, request, body, signal) {
  return new Promise((resolve, reject) => {
    const stream = session.request(
      { ':method': request.method, ':path': request.path, 'content-type': 'application/json' },
      { signal },
    );
    let headers;
    let bytes = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (received) => (headers = received));
    stream.on('data', (chunk) => {
      bytes += Buffer.byteLength(chunk);
      text += chunk;
    });
    stream.on('end', () => resolve({ status: Number(headers?.[':status']), header: (name) => headers?.[name], text, bytes }));
    stream.on('error', reject);
    stream.end(body);
  });
}

async function exchange(target, request, signal) {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (request.http2) return sendHttp2(target.session(), request, body, signal);
  const response = await fetch(`${target.baseUrl}${request.path}`, {
    method: request.method,
    ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }),
    signal,
  });
  const text = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name), text, bytes: Buffer.byteLength(text) };
}

async function send(target, request, stats, signal) {
  try {
    const response = await exchange(target, request, signal);
    const text = response.text;
    count(stats, 'requests');
    count(stats, `route:${request.method} ${request.route}`);
    count(stats, `route:${request.method} ${request.route}:${response.status}`);
    if (response.status >= 500) count(stats, 'status5xx');
    else if (response.status >= 400) count(stats, 'status4xx');
    const cache = response.header('x-cache');
    if (cache === 'hit') count(stats, 'cacheHits');
    if (cache === 'miss') count(stats, 'cacheMisses');
    if (request.path === '/chat') {
      const model = request.body.model;
      count(stats, `chats:${model}`);
      if (response.status !== 200) count(stats, `chatErrors:${model}`);
      else {
        const { usage } = JSON.parse(text);
        count(stats, `tokens:${model}:input`, usage?.prompt_tokens ?? 0);
        count(stats, `tokens:${model}:output`, usage?.completion_tokens ?? 0);
      }
    }
    if (request.path.startsWith('/quotes/')) {
      count(stats, 'quotes');
      stats.breaker = response.header('x-breaker-state') ?? stats.breaker;
      if (response.status === 200 && JSON.parse(text).stale === true) count(stats, 'staleQuotes');
    }
    if (request.path === '/events') {
      stats.events.push({
        durationS: Number(response.header('x-recorded-duration-s')),
        requestBytes: Buffer.byteLength(JSON.stringify(request.body)),
        responseBytes: response.bytes,
      });
    }
  } catch {
    if (!signal.aborted) count(stats, 'failed');
  }
}

/** Requests in flight beyond which the generator waits instead of piling up on a slow service. */
const MAX_IN_FLIGHT = 200;

/**
 * Starts one round every `roundMs` against `baseUrl` (HTTP/1.1) and `eventsUrl` (HTTP/2) without
 * waiting for slow requests (a 0.5 s chat overlaps the next round), so the request rate stays
 * fixed. `stop` ends the rounds and lets every request in flight finish; `signal` aborts them.
 * Resolves with the stats once every request sent has finished.
 */
export async function runTraffic({ baseUrl, eventsUrl, signal, stop = signal, stats = createStats(), roundMs = 500 }) {
  const inFlight = new Set();
  let session;
  const target = {
    baseUrl,
    session() {
      if (session === undefined || session.closed || session.destroyed) {
        session = connect(eventsUrl);
        session.on('error', () => undefined); // each stream reports its own failure
      }
      return session;
    },
  };
  const historyTimer = setInterval(() => {
    stats.history.push(snapshot(stats));
    if (stats.history.length > 900) stats.history.shift();
  }, 1000);
  try {
    let next = performance.now();
    for (let n = 0; !signal.aborted && !stop.aborted; n++) {
      for (const request of roundRequests(n)) {
        const sent = send(target, request, stats, signal).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      }
      while (inFlight.size > MAX_IN_FLIGHT) await Promise.race(inFlight);
      next += roundMs;
      const wait = next - performance.now();
      if (wait > 0) await sleepUnless(wait, stop);
      else next = performance.now();
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(historyTimer);
    session?.close();
  }
  return stats;
}

/** Waits `ms`, or less when `signal` aborts first. */
function sleepUnless(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
