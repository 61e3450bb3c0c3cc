/**
 * The whole path, service to PromQL, against real processes: the demo (`examples/demo/main.mjs`:
 * service with the preload, fake LLM, flaky upstream, traffic) on free loopback ports, a real
 * Prometheus scraping it every second with the shipped rules loaded, and every query we ship
 * (each dashboard target, each recording rule, each alert's signal) evaluated through the HTTP
 * API and compared with what the traffic generator sent and saw.
 *
 * Timeline (~80 s): traffic starts; the pricing upstream is down from 8 s to 13 s (the breaker
 * opens, then recovers through half-open) and again from 28 s on (it opens and stays open); the
 * CircuitBreakerOpen alert (`for: 30s`) fires at about 60 s, when every dashboard query has a full
 * minute of data behind it. A second Prometheus scrapes the same demo every 15 s with the same
 * rules, to show the `[5m]` windows work at a common production interval: the alerts the demo
 * should trigger become active there, and the others never do. Last, the traffic drains and
 * Prometheus's totals must equal the generator's.
 *
 * Nothing here depends on how fast the machine is. Latencies are wall-clock, so they are checked
 * only through counts and bucket membership that hold at any speed: exact totals per route,
 * model and outcome once the traffic has drained; lower bounds set by delays the demo injects
 * (a report sleeps 300 ms, the fake LLM waits 90 / 200 ms before its first chunk); the exact
 * bucket of every duration the HTTP/2 events endpoint recorded (it reports the value in a header);
 * and quantiles evaluated at one instant, which must be ordered. A generator's client-side timing
 * cannot be compared bucket by bucket with the service's: the two differ by transit and
 * scheduling time, which has no bound on a loaded machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALERT_RULES, ALERT_RULES_PATH, RATE_WINDOW, RECORDING_RULES, RECORDING_RULES_PATH, alertExpr } from '../../scripts/prometheus-rules.js';
import { DASHBOARD_PATH, RATE_INTERVAL } from '../../scripts/grafana-dashboard.js';
import {
  CATALOGUE,
  HTTP_SERVER_REQUEST_BODY_SIZE,
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_RESPONSE_BODY_SIZE,
  PROCESS_UNIX_FILE_DESCRIPTOR_COUNT,
  PROMKIT_CLUSTER_WORKERS_MISSED,
  PROMKIT_MEASUREMENTS_DROPPED,
  PROMKIT_PUSH_DROPPED,
} from '../../src/catalogue/index.js';
import { scrapedNames } from '../../scripts/catalogue-markdown.js';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';
import { killGroup, prometheusVersion, startPrometheus, stopGroup, type InstantSample, type PrometheusServer } from '../helpers/prometheus-server.js';

const VERSION = prometheusVersion();
if (VERSION === undefined) {
  // A missing server fails the suite instead of skipping it: CI installs Debian's package.
  throw new Error('no `prometheus` binary on the PATH: install Debian\'s "prometheus" package (.ci/run does) to run the end-to-end test');
}

/** Upstream down 8–13 s (open, then recover) and from 28 s on (open until the end). */
const UPSTREAM_SCHEDULE = 'up:8,down:5,up:15,down:600';
const JOB = 'promkit-demo';
const BREAKER = 'pricing';
/** Every route template the demo serves; nothing else may appear as `http_route`. */
const ROUTES = ['/users/:id', '/orders/:id', '/orders', '/reports/:id', '/chat', '/quotes/:id', '/events', '/*unmatched'];
const MODELS = ['demo-mini', 'demo-large'];
/** Injected delays (examples/demo): the report's sleep and the fake LLM's wait before its first chunk. */
const REPORT_DELAY_S = 0.3;
const FIRST_CHUNK_S: Record<string, number> = { 'demo-mini': 0.09, 'demo-large': 0.2 };
/** Catalogue entries the demo does not export, and why (both are checked to be absent). */
const NOT_EXPORTED: Record<string, string> = {
  [PROCESS_UNIX_FILE_DESCRIPTOR_COUNT.name]: 'off by default: promtool rejects a gauge named *_count (docs/endpoints.md)',
  [PROMKIT_MEASUREMENTS_DROPPED.name]: 'exists only once promkit refused a measurement; the demo records nothing invalid',
  [PROMKIT_CLUSTER_WORKERS_MISSED.name]: 'exists only on a cluster primary once a worker missed a collection; the demo is one process',
  [PROMKIT_PUSH_DROPPED.name]: 'exists only once a push destination is configured and gave up on samples; the demo is scraped',
};

// ---------------------------------------------------------------------------------------------
// The demo process

/** One `stats` line of the demo, and when this test received it (Unix seconds). */
type Stats = Record<string, number | string> & { t: number; receivedAt: number };

/** What the HTTP/2 events endpoint recorded for one request, as the generator saw it. */
interface EventsRequest {
  readonly durationS: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/** The demo's last line after `drain`: final totals of everything the generator sent and saw. */
type Drained = Record<string, number | string> & { events: EventsRequest[] };

interface Ready {
  readonly scrapeUrl: string;
  readonly llmUrl: string;
  readonly upstreamUrl: string;
}

interface Demo extends Ready {
  readonly child: ChildProcess;
  readonly stats: Stats[];
  /** Stops the traffic, waits for every request in flight, and resolves with the final totals. */
  drain(): Promise<Drained>;
  output(): string;
}

async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, ['examples/demo/main.mjs', '--json'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      EVENTS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      DEMO_UPSTREAM_SCHEDULE: UPSTREAM_SCHEDULE,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  let pending = '';
  const stats: Stats[] = [];
  let onDrained: (drained: Drained) => void = () => undefined;
  const drained = new Promise<Drained>((resolve) => (onDrained = resolve));
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo was not ready in 45 s:\n${output}`)), 45_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string };
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolve(event as unknown as Ready);
        } else if (event.event === 'stats') stats.push({ ...(event as unknown as Stats), receivedAt: Date.now() / 1000 });
        else if (event.event === 'drained') onDrained(event as unknown as Drained);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  const { scrapeUrl, llmUrl, upstreamUrl } = await ready;
  return {
    child,
    scrapeUrl,
    llmUrl,
    upstreamUrl,
    stats,
    drain: () => {
      child.stdin!.write('drain\n');
      return drained;
    },
    output: () => output,
  };
}

// Every process this file starts is a group leader; kill the groups even if the worker dies.
const running: ChildProcess[] = [];
process.once('exit', () => running.forEach((child) => killGroup(child, 'SIGKILL')));

// ---------------------------------------------------------------------------------------------
// What the generator saw in the `seconds` before `at` (the window a `rate(...[1m])` or `[5m]` covers)

interface Window {
  count(key: string): number;
  /**
   * Per second of the whole window, as `rate()` reads it: a `[5m]` window over a minute of
   * traffic holds a minute's increase, and `rate()` divides it by 300 s all the same.
   */
  rate(key: string): number;
}

const WINDOW_SECONDS: Record<string, number> = { '1m': 60, '5m': 300 };

function windowBefore(stats: readonly Stats[], at: number, seconds: number): Window {
  const before = stats.filter((s) => s.receivedAt <= at);
  const last = before.at(-1);
  if (last === undefined) throw new Error('the demo printed no stats');
  // A window reaching back past the first line counts from the start, when every counter was 0.
  const first = last.t - seconds < before[0]!.t ? undefined : before.find((s) => s.t >= last.t - seconds);
  const count = (key: string) => Number(last[key] ?? 0) - Number(first?.[key] ?? 0);
  return { count, rate: (key) => count(key) / seconds };
}

// ---------------------------------------------------------------------------------------------
// Checks: one per shipped expression, keyed by panel/refId, record name or alert name. A check
// gets the samples, the generator's window, and every result evaluated before it at the same
// instant (`earlier`, by key), so related quantiles can be compared with each other.

type Check = (samples: InstantSample[], w: Window, earlier: ReadonlyMap<string, InstantSample[]>) => void;

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toPrecision(4));

function describeSamples(samples: InstantSample[]): string {
  if (samples.length === 0) return '(no data)';
  return samples
    .map((s) => {
      const labels = Object.entries(s.metric)
        .filter(([k]) => k !== '__name__' && k !== 'job' && k !== 'instance')
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      return `${labels ? `{${labels}} ` : ''}${fmt(s.value)}`;
    })
    .join('; ');
}

/** The one sample whose labels include `labels` (a value of '' means "label absent"). */
function one(samples: InstantSample[], labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => Object.entries(labels).every(([k, v]) => (s.metric[k] ?? '') === v));
  expect(found, `exactly one series with ${JSON.stringify(labels)} in ${describeSamples(samples)}`).toHaveLength(1);
  return found[0]!.value;
}

function near(actual: number, expected: number, relative: number, what: string, absolute = 0): void {
  const tolerance = Math.max(Math.abs(expected) * relative, absolute);
  expect(Math.abs(actual - expected), `${what}: Prometheus says ${fmt(actual)}, the generator ${fmt(expected)} (±${fmt(tolerance)})`).toBeLessThanOrEqual(tolerance);
}

/** A value that is not a speed: must lie in (lo, hi]. */
function inRange(actual: number, lo: number, hi: number, what: string): void {
  expect(actual, `${what} should be in (${lo}, ${hi}]`).toBeGreaterThan(lo);
  expect(actual, `${what} should be in (${lo}, ${hi}]`).toBeLessThanOrEqual(hi);
}

/**
 * A latency quantile: a finite number of seconds, above `floor` when every observation (or more
 * than the quantile's share of them) takes at least an injected delay above `floor`. No upper
 * bound: how slow a request may be on a busy machine is not this test's business.
 */
function latency(actual: number, what: string, floor = 0): void {
  expect(Number.isFinite(actual), `${what} is a finite number of seconds: ${actual}`).toBe(true);
  if (floor === 0) expect(actual, `${what}`).toBeGreaterThanOrEqual(0);
  else expect(actual, `${what} is above ${floor} s: more than the quantile's share of requests wait for an injected delay`).toBeGreaterThan(floor);
}

function labelSet(samples: InstantSample[], label: string): string[] {
  return [...new Set(samples.map((s) => s.metric[label] ?? ''))].sort();
}

function expectRoutes(samples: InstantSample[]): void {
  expect(labelSet(samples, 'http_route')).toEqual([...ROUTES].sort());
  for (const route of labelSet(samples, 'http_route')) expect(route, 'a raw id leaked into http_route').not.toMatch(/\d/);
}

/** Quantiles of one histogram evaluated at one instant are ordered: p50 ≤ p95 ≤ p99. */
function ordered(lower: InstantSample[] | undefined, upper: InstantSample[], by: string, what: string): void {
  expect(lower, `${what}: the lower quantile was evaluated first`).toBeDefined();
  for (const x of upper) {
    const below = lower!.find((l) => (l.metric[by] ?? '') === (x.metric[by] ?? ''));
    expect(below, `${what}: same series in both quantiles`).toBeDefined();
    expect(below!.value, `${what} ${x.metric[by] ?? ''}: quantiles of the same data are ordered`).toBeLessThanOrEqual(x.value);
  }
}

const requestRate = (w: Window) => w.rate('requests');
const errorRatio = (w: Window) => w.count('status5xx') / w.count('requests');
const hitRatio = (w: Window) => w.count('cacheHits') / (w.count('cacheHits') + w.count('cacheMisses'));
/** Successful chats per second for a model. */
const chatsOk = (w: Window, model: string) => w.rate(`chats:${model}`) - w.rate(`chatErrors:${model}`);

/** Per-model time to first chunk: at least the fake LLM's 90 ms and 200 ms. */
function ttft(samples: InstantSample[], what: string): void {
  for (const model of MODELS) {
    // The bucket boundary below the injected delay: 0.08 s for 90 ms, 0.16 s for 200 ms.
    latency(one(samples, { gen_ai_request_model: model }), `${what} of ${model}`, FIRST_CHUNK_S[model]! > 0.16 ? 0.16 : 0.08);
  }
}

function tokenRates(samples: InstantSample[], w: Window): void {
  for (const model of MODELS) {
    for (const type of ['input', 'output']) {
      const value = one(samples, { gen_ai_request_model: model, gen_ai_token_type: type });
      near(value, w.rate(`tokens:${model}:${type}`), 0.3, `${model} ${type} tokens/s`);
    }
  }
}

/** /reports/:id sleeps 300 ms: every observation is above 0.25 s, so each quantile is too. */
function reportsLatency(samples: InstantSample[], what: string): void {
  latency(one(samples, { http_route: '/reports/:id' }), `${what} of /reports/:id`, 0.25);
}

/**
 * Over the whole service, more than 5 % of requests (1 report per 14 requests, 9 of every 20
 * chats waiting ≥ 0.425 s for demo-large) take longer than 0.25 s, so p95 and p99 are above it.
 */
const SERVICE_P95_FLOOR = 0.25;
/** Reports alone (1 request in 14 sleeping 0.3 s) put the service's mean latency above 0.3 / 14. */
const SERVICE_MEAN_FLOOR = 0.02;
const W = RATE_WINDOW;

const DASHBOARD_CHECKS: Record<string, Check> = {
  'Scrape target up/A': (s) => expect(one(s, { job: JOB })).toBe(1),
  'Service identity/A': (s) => expect(one(s, { service_name: 'promkit-demo', service_version: '0.1.0', deployment_environment_name: 'demo' })).toBe(1),
  'Request rate by route/A': (s, w) => {
    expectRoutes(s);
    near(s.reduce((sum, x) => sum + x.value, 0), requestRate(w), 0.25, 'requests/s');
    near(one(s, { http_route: '/users/:id' }), w.rate('route:GET /users/:id'), 0.25, '/users/:id requests/s');
    near(one(s, { http_route: '/events' }), w.rate('route:POST /events'), 0.25, '/events requests/s (HTTP/2, manual API)');
  },
  'Server error ratio/A': (s, w) => near(one(s), errorRatio(w), 0, 'error ratio', 0.015),
  'Latency p50 / p95 / p99/A': (s) => latency(one(s), 'p50'),
  'Latency p50 / p95 / p99/B': (s, _w, earlier) => {
    latency(one(s), 'p95', SERVICE_P95_FLOOR);
    ordered(earlier.get('Latency p50 / p95 / p99/A'), s, 'job', 'p50 ≤ p95');
  },
  'Latency p50 / p95 / p99/C': (s, _w, earlier) => {
    latency(one(s), 'p99', SERVICE_P95_FLOOR);
    ordered(earlier.get('Latency p50 / p95 / p99/B'), s, 'job', 'p95 ≤ p99');
  },
  'p95 latency by route/A': (s) => {
    expectRoutes(s);
    reportsLatency(s, 'p95');
    // 9 of every 20 chats are demo-large calls that wait ≥ 200 + 9 × 25 ms for the fake LLM.
    latency(one(s, { http_route: '/chat' }), 'p95 of /chat', 0.25);
    for (const route of ['/users/:id', '/orders/:id', '/orders', '/quotes/:id', '/events', '/*unmatched']) {
      latency(one(s, { http_route: route }), `p95 of ${route}`);
    }
  },
  'Responses by status code/A': (s, w) => {
    expect(labelSet(s, 'http_response_status_code')).toEqual(['200', '201', '202', '404', '500', '502']);
    near(one(s, { http_response_status_code: '500' }), w.rate('route:GET /orders/:id:500'), 0.35, '500s/s', 0.05);
    // 404s come from the scanner paths only (HTTP/1.1; the events server gets none).
    near(one(s, { http_response_status_code: '404' }), w.rate('route:GET /*unmatched:404'), 0.35, '404s/s', 0.05);
  },
  'In-flight requests/A': (s) => {
    expect(labelSet(s, 'http_request_method')).toEqual(['GET', 'POST']);
    // Never negative, and at most what the generator allows in flight (200) plus the current round.
    for (const x of s) inRange(x.value, -1, 250, 'in-flight requests');
  },
  'Outgoing requests p95 by server/A': (s, _w) => {
    expect(s.map((x) => x.metric['server_port']).sort(), 'the fake LLM and the pricing upstream').toEqual(
      [new URL(demo.llmUrl).port, new URL(demo.upstreamUrl).port].sort(),
    );
    for (const x of s) latency(x.value, `p95 to ${x.metric['server_address']}:${x.metric['server_port']}`);
  },
  'LLM calls by model and outcome/A': (s, w) => {
    for (const model of MODELS) near(one(s, { gen_ai_request_model: model, error_type: '' }), chatsOk(w, model), 0.3, `${model} ok calls/s`);
    // The fake LLM refuses every 10th request; with models alternating, that is always demo-large.
    const refused = s.filter((x) => x.metric['error_type'] !== undefined);
    expect(refused.map((x) => `${x.metric['gen_ai_request_model']} ${x.metric['error_type']}`)).toEqual(['demo-large RateLimitError']);
    near(refused[0]!.value, w.rate('chatErrors:demo-large'), 0.4, 'refused calls/s', 0.03);
  },
  'Time to first chunk p95 by model/A': (s) => ttft(s, 'TTFT p95'),
  // Gaps are 25 ms on the fake LLM's side, but chunks that arrive together on a busy machine have
  // none between them: no floor. Their count is checked exactly once the traffic has drained.
  'Time per output chunk p50 by model/A': (s) => {
    for (const model of MODELS) latency(one(s, { gen_ai_request_model: model }), `chunk gap p50 of ${model}`);
  },
  'Call duration p95 by model/A': (s) => {
    latency(one(s, { gen_ai_request_model: 'demo-mini' }), 'demo-mini call p95 (≥ 90 + 5×25 ms)', 0.16);
    // 1 in 10 demo-large calls is refused at once; the other 90 % take ≥ 200 + 9×25 ms.
    latency(one(s, { gen_ai_request_model: 'demo-large' }), 'demo-large call p95 (≥ 200 + 9×25 ms)', 0.32);
  },
  'Tokens per second by model and type/A': tokenRates,
  'Hit ratio by cache/A': (s, w) => near(one(s, { cache_name: 'users' }), hitRatio(w), 0, 'cache hit ratio', 0.05),
  'Hits, misses and evictions/A': (s, w) => near(one(s, { cache_name: 'users' }), w.rate('cacheHits'), 0.3, 'hits/s'),
  'Hits, misses and evictions/B': (s, w) => near(one(s, { cache_name: 'users' }), w.rate('cacheMisses'), 0.3, 'misses/s'),
  'Hits, misses and evictions/C': (s, w) => inRange(one(s, { cache_name: 'users' }), 0, w.rate('cacheMisses') * 1.3, 'evictions/s (at most one per miss)'),
  'Entries/A': (s) => expect(one(s, { cache_name: 'users' }), 'the LRU holds at most 40 users and is full').toBe(40),
  'Size/A': (s) => inRange(one(s, { cache_name: 'users' }), 40 * 30, 64 * 1024, 'cache bytes (40 entries of ~40 B)'),
  'Operation p99/A': (s) => {
    expect(labelSet(s, 'cache_operation')).toEqual(['get', 'set']);
    for (const x of s) latency(x.value, `cache ${x.metric['cache_operation']} p99`);
  },
  'Queries per second by operation and table/A': (s, w) => {
    near(one(s, { db_operation_name: 'SELECT', db_collection_name: 'users' }), w.rate('cacheMisses'), 0.3, 'user SELECTs/s (one per cache miss)');
    near(one(s, { db_operation_name: 'INSERT', db_collection_name: 'orders' }), w.rate('route:POST /orders'), 0.3, 'INSERTs/s');
    near(one(s, { db_operation_name: 'SELECT', db_collection_name: 'order_archive' }), w.rate('route:GET /orders/:id:500'), 0.35, 'archive SELECTs/s', 0.05);
  },
  'Query errors per second/A': (s, w) =>
    near(one(s, { db_collection_name: 'order_archive', error_type: '42P01' }), w.rate('route:GET /orders/:id:500'), 0.35, 'failed queries/s', 0.05),
  'Query p95 by operation and table/A': (s) => {
    expect(s.length).toBe(4);
    for (const x of s) latency(x.value, `query p95 of ${x.metric['db_operation_name']} ${x.metric['db_collection_name']}`);
  },
  'Rows returned per query/A': (s) => {
    expect(labelSet(s, 'db_collection_name')).toEqual(['orders', 'users']);
    for (const x of s) expect(x.value, `rows per ${x.metric['db_collection_name']} query`).toBe(1);
  },
  'Breaker state/A': (s) => {
    expect(s, 'one current state per breaker').toHaveLength(1);
    expect(s[0]!.metric['circuit_breaker_name']).toBe(BREAKER);
    expect(['open', 'half_open']).toContain(s[0]!.metric['circuit_breaker_state']);
  },
  'Calls per second by outcome/A': (s) => {
    const outcomes = labelSet(s, 'circuit_breaker_outcome');
    expect(outcomes).toEqual(expect.arrayContaining(['failure', 'fallback', 'rejected', 'success']));
    // A call slower than the breaker's 800 ms timeout is a `timeout`: only on a loaded machine.
    expect(outcomes.filter((o) => !['failure', 'fallback', 'rejected', 'success', 'timeout'].includes(o))).toEqual([]);
    for (const x of s) expect(x.value, `${x.metric['circuit_breaker_outcome']} calls/s`).toBeGreaterThan(0);
  },
  // The gauge covers opossum's rolling window of calls; rejected calls do not count, so while the
  // upstream is down it is clearly up from 0 without having to reach opossum's 100 %.
  'Failure rate (breaker window)/A': (s) => inRange(one(s, { circuit_breaker_name: BREAKER }), 0.1, 1, 'failure rate while the upstream is down'),
  'Transitions since start/A': (s) => {
    const edge = (from: string, to: string) => one(s, { circuit_breaker_from_state: from, circuit_breaker_to_state: to });
    expect(edge('closed', 'open'), 'opened once in each outage').toBe(2);
    expect(edge('open', 'half_open'), 'probed after resetTimeout').toBeGreaterThanOrEqual(1);
    expect(edge('half_open', 'closed'), 'recovered after the first outage').toBeGreaterThanOrEqual(1);
  },
  'CPU seconds per second by mode/A': (s) => {
    expect(labelSet(s, 'cpu_mode')).toEqual(['system', 'user']);
    // One process cannot use more cores than the machine has (a little slack for the rate window's extrapolation).
    inRange(one(s, { cpu_mode: 'user' }), 0, availableParallelism() * 1.1, 'user CPU cores busy');
  },
  'Resident memory/A': (s) => inRange(one(s, { job: JOB }), 20 * 2 ** 20, 4 * 2 ** 30, 'RSS bytes'),
  'V8 heap used/A': (s) => inRange(one(s, { job: JOB }), 2 ** 20, 2 ** 31, 'heap used bytes'),
  'Event loop delay p99/A': (s) => latency(one(s, { job: JOB }), 'event loop delay p99'),
  'Event loop utilization/A': (s) => inRange(one(s, { job: JOB }), 0, 1, 'event loop utilization'),
  'GC time per second by type/A': (s) => {
    // A share of wall time: pauses on the one JavaScript thread cannot add up to more than all of it.
    for (const x of s) inRange(x.value, -1e-9, 1.05, `GC share of ${x.metric['v8js_gc_type']}`);
    expect(s.some((x) => x.value > 0), 'some GC ran in the last minute').toBe(true);
  },
  'Uptime/A': (s) => inRange(one(s, { job: JOB }), 58, 600, 'service uptime (s), a minute of traffic and more'),
};

const RECORDING_CHECKS: Record<string, Check> = {
  [`job:http_server_requests:rate${W}`]: (s, w) => near(one(s, { job: JOB }), requestRate(w), 0.25, 'requests/s'),
  [`job_route:http_server_requests:rate${W}`]: (s, w) => {
    expectRoutes(s);
    near(one(s, { http_route: '/chat' }), w.rate('route:POST /chat'), 0.3, '/chat requests/s');
  },
  [`job:http_server_request_errors:ratio_rate${W}`]: (s, w) => near(one(s, { job: JOB }), errorRatio(w), 0, 'error ratio', 0.015),
  [`job_route:http_server_request_duration_seconds:p50_rate${W}`]: (s) => reportsLatency(s, 'p50'),
  [`job_route:http_server_request_duration_seconds:p95_rate${W}`]: (s, _w, earlier) => {
    reportsLatency(s, 'p95');
    ordered(earlier.get(`job_route:http_server_request_duration_seconds:p50_rate${W}`), s, 'http_route', 'p50 ≤ p95 by route');
  },
  [`job_route:http_server_request_duration_seconds:p99_rate${W}`]: (s, _w, earlier) => {
    reportsLatency(s, 'p99');
    ordered(earlier.get(`job_route:http_server_request_duration_seconds:p95_rate${W}`), s, 'http_route', 'p95 ≤ p99 by route');
  },
  [`job:http_server_request_duration_seconds:p95_rate${W}`]: (s) => latency(one(s, { job: JOB }), 'service p95', SERVICE_P95_FLOOR),
  [`job:http_server_request_duration_seconds:p99_rate${W}`]: (s, _w, earlier) => {
    latency(one(s, { job: JOB }), 'service p99', SERVICE_P95_FLOOR);
    ordered(earlier.get(`job:http_server_request_duration_seconds:p95_rate${W}`), s, 'job', 'service p95 ≤ p99');
  },
  [`job:http_server_request_duration_seconds:mean_rate${W}`]: (s) => latency(one(s, { job: JOB }), 'service mean latency', SERVICE_MEAN_FLOOR),
  [`job_cache:cache_hits:ratio_rate${W}`]: (s, w) => near(one(s, { cache_name: 'users' }), hitRatio(w), 0, 'cache hit ratio', 0.05),
  [`job_model_type:gen_ai_client_tokens:rate${W}`]: tokenRates,
  [`job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate${W}`]: (s) => ttft(s, 'recorded TTFT p95'),
  // The fake LLM refuses every 10th request: a tenth of the provider's calls fail.
  [`job_provider:gen_ai_client_operation_errors:ratio_rate${W}`]: (s, w) =>
    near(one(s, { gen_ai_provider_name: 'openai' }), w.count('chatErrors:demo-large') / (w.count('chats:demo-mini') + w.count('chats:demo-large')), 0, 'LLM error ratio', 0.03),
  // Calls that ran (rejected ones did not): the successes before and between the outages, and
  // the failures that opened the breaker twice and its failed probes.
  [`job_breaker:circuit_breaker_call_failures:ratio_rate${W}`]: (s) => inRange(one(s, { circuit_breaker_name: BREAKER }), 0.1, 1, 'breaker failure ratio'),
  [`job_breaker:circuit_breaker_call_duration_seconds:mean_rate${W}`]: (s) => latency(one(s, { circuit_breaker_name: BREAKER }), 'mean breaker call duration'),
  [`job:db_client_operation_duration_seconds:mean_rate${W}`]: (s) => latency(one(s, { job: JOB }), 'mean query duration'),
};

/** Alert signals: the value must be plausible; whether the alert is active is checked separately. */
const ALERT_CHECKS: Record<string, Check> = {
  HttpHighErrorRatio: RECORDING_CHECKS[`job:http_server_request_errors:ratio_rate${W}`]!,
  HttpLatencyP95OverSlo: RECORDING_CHECKS[`job:http_server_request_duration_seconds:p95_rate${W}`]!,
  HttpLatencyP99High: (s) => latency(one(s, { job: JOB }), 'service p99', SERVICE_P95_FLOOR),
  HttpLatencySpike: RECORDING_CHECKS[`job:http_server_request_duration_seconds:mean_rate${W}`]!,
  CircuitBreakerOpen: (s) => expect(one(s, { circuit_breaker_name: BREAKER }), 'open or half-open: 1').toBe(1),
  CircuitBreakerHighFailureRate: RECORDING_CHECKS[`job_breaker:circuit_breaker_call_failures:ratio_rate${W}`]!,
  CircuitBreakerLatencySpike: RECORDING_CHECKS[`job_breaker:circuit_breaker_call_duration_seconds:mean_rate${W}`]!,
  DbLatencySpike: RECORDING_CHECKS[`job:db_client_operation_duration_seconds:mean_rate${W}`]!,
  LlmTimeToFirstChunkP95High: (s) => ttft(s, 'TTFT p95'),
  LlmProviderDown: RECORDING_CHECKS[`job_provider:gen_ai_client_operation_errors:ratio_rate${W}`]!,
  LlmServiceDown: (s, w) => near(one(s, { job: JOB }), w.rate('chats:demo-mini') + w.rate('chats:demo-large'), 0.3, 'LLM calls/s'),
  CacheHitRatioLow: RECORDING_CHECKS[`job_cache:cache_hits:ratio_rate${W}`]!,
  ScrapeTargetDown: (s) => expect(one(s, { job: JOB })).toBe(1),
};

/**
 * What the demo's steady traffic does to each alert while the breaker is open. Latency alerts
 * depend on how fast the machine is: their condition may hold on a busy one, so they may be
 * pending or not; no alert with `for: 5m` can fire within this test.
 */
const EXPECTED_ALERT_STATE: Record<string, 'inactive' | 'active' | 'speed-dependent'> = {
  HttpHighErrorRatio: 'inactive', // ~2 % < 5 %
  HttpLatencyP95OverSlo: 'speed-dependent',
  HttpLatencyP99High: 'speed-dependent',
  HttpLatencySpike: 'speed-dependent',
  CircuitBreakerOpen: 'active',
  CircuitBreakerHighFailureRate: 'active', // well over 10 % of the calls that ran failed
  CircuitBreakerLatencySpike: 'speed-dependent',
  DbLatencySpike: 'speed-dependent',
  LlmTimeToFirstChunkP95High: 'speed-dependent',
  LlmProviderDown: 'inactive', // 1 call in 10 fails, not all
  LlmServiceDown: 'inactive', // calls now, and no history an hour back
  CacheHitRatioLow: 'inactive', // ~0.7 > 0.5
  ScrapeTargetDown: 'inactive',
};

// ---------------------------------------------------------------------------------------------
// Final totals: once the traffic has drained, every counter Prometheus holds must equal what the
// generator sent and saw, exactly.

/** Sums `series` by `labels` at the current time: `{ "<label values joined by space>": value }`. */
async function sumBy(prometheus: PrometheusServer, series: string, labels: readonly string[]): Promise<Record<string, number>> {
  const samples = await prometheus.query(`sum by (${labels.join(', ')}) (${series})`);
  return Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l] ?? '-').join(' '), s.value]));
}

/** Cumulative bucket counts of `values` at `boundaries` (and +Inf), keyed like {@link bucketsOf}. */
function bucketCounts(values: readonly number[], boundaries: readonly number[]): Record<string, number> {
  return Object.fromEntries([...boundaries, Infinity].map((le) => [`le=${le}`, values.filter((v) => v <= le).length]));
}

async function bucketsOf(prometheus: PrometheusServer, series: string): Promise<Record<string, number>> {
  const byLe = await sumBy(prometheus, series, ['le']);
  return Object.fromEntries(Object.entries(byLe).map(([le, value]) => [`le=${le === '+Inf' ? Infinity : Number(le)}`, value]));
}

const prefix = (name: string, record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [`${name} ${k}`, v]));

/** The generator's totals in the shape {@link actualTotals} reads them from Prometheus. */
function expectedTotals(d: Drained): Record<string, number> {
  const n = (key: string) => Number(d[key] ?? 0);
  const expected: Record<string, number> = {};
  for (const [key, value] of Object.entries(d)) {
    const match = /^route:(\S+) (\S+):(\d+)$/.exec(key);
    if (match) expected[`requests ${match[1]} ${match[2]} ${match[3]}`] = Number(value);
  }
  // The HTTP/2 events endpoint, recorded by hand: the exact bucket of every value.
  const events = d.events;
  Object.assign(
    expected,
    prefix('events duration', bucketCounts(events.map((e) => e.durationS), HTTP_SERVER_REQUEST_DURATION.boundaries!)),
    prefix('events request bytes', bucketCounts(events.map((e) => e.requestBytes), HTTP_SERVER_REQUEST_BODY_SIZE.boundaries!)),
    prefix('events response bytes', bucketCounts(events.map((e) => e.responseBytes), HTTP_SERVER_RESPONSE_BODY_SIZE.boundaries!)),
    {
      'events request bytes sum': events.reduce((sum, e) => sum + e.requestBytes, 0),
      'events response bytes sum': events.reduce((sum, e) => sum + e.responseBytes, 0),
    },
  );
  const ok = (model: string) => n(`chats:${model}`) - n(`chatErrors:${model}`);
  for (const model of MODELS) {
    expected[`llm calls ${model} -`] = ok(model);
    if (n(`chatErrors:${model}`) > 0) expected[`llm calls ${model} RateLimitError`] = n(`chatErrors:${model}`);
    // Every answered stream has a first chunk; each output token is one content chunk.
    expected[`llm ttft ${model}`] = ok(model);
    expected[`llm chunk gaps ${model}`] = n(`tokens:${model}:output`) - ok(model);
    for (const type of ['input', 'output']) {
      expected[`llm tokens ${model} ${type}`] = n(`tokens:${model}:${type}`);
      expected[`llm token records ${model} ${type}`] = ok(model);
    }
  }
  expected['llm fetches'] = n('chats:demo-mini') + n('chats:demo-large');
  Object.assign(expected, {
    'cache hits': n('cacheHits'),
    'cache misses': n('cacheMisses'),
    // One SELECT per cache miss, per order that is not archived and per report; an INSERT per POST.
    'db SELECT users -': n('cacheMisses'),
    'db SELECT orders -': n('route:GET /orders/:id') - n('route:GET /orders/:id:500') + n('route:GET /reports/:id'),
    'db SELECT order_archive 42P01': n('route:GET /orders/:id:500'),
    'db INSERT orders -': n('route:POST /orders'),
  });
  const queries = n('cacheMisses') + n('route:GET /orders/:id') + n('route:GET /reports/:id') + n('route:POST /orders');
  Object.assign(expected, {
    'db rows records': queries - n('route:GET /orders/:id:500'),
    // Each query borrows one pooled connection; all are back once the traffic has drained.
    'pool waits': queries,
    'pool uses': queries,
    'pool used': 0,
    'pool idle': 4,
    'pool max': 4,
    'pool pending': 0,
    'pool timeouts': 0,
    // A quote is a success or a failed/rejected call answered by the fallback (stale).
    'breaker success': n('quotes') - n('staleQuotes'),
    'breaker fallback': n('staleQuotes'),
    'breaker failed or rejected': n('staleQuotes'),
  });
  return expected;
}

async function actualTotals(prometheus: PrometheusServer): Promise<Record<string, number>> {
  const j = `{job="${JOB}"}`;
  const events = `{job="${JOB}",http_route="/events"}`;
  const [requests, eventsDuration, requestBytes, responseBytes, requestBytesSum, responseBytesSum] = await Promise.all([
    sumBy(prometheus, `http_server_request_duration_seconds_count${j}`, ['http_request_method', 'http_route', 'http_response_status_code']),
    bucketsOf(prometheus, `http_server_request_duration_seconds_bucket${events}`),
    bucketsOf(prometheus, `http_server_request_body_size_bytes_bucket${events}`),
    bucketsOf(prometheus, `http_server_response_body_size_bytes_bucket${events}`),
    prometheus.query(`sum(http_server_request_body_size_bytes_sum${events})`),
    prometheus.query(`sum(http_server_response_body_size_bytes_sum${events})`),
  ]);
  const [calls, ttftCount, gaps, tokens, tokenRecords, fetches] = await Promise.all([
    sumBy(prometheus, `gen_ai_client_operation_duration_seconds_count${j}`, ['gen_ai_request_model', 'error_type']),
    sumBy(prometheus, `gen_ai_client_operation_time_to_first_chunk_seconds_count${j}`, ['gen_ai_request_model']),
    sumBy(prometheus, `gen_ai_client_operation_time_per_output_chunk_seconds_count${j}`, ['gen_ai_request_model']),
    sumBy(prometheus, `gen_ai_client_token_usage_sum${j}`, ['gen_ai_request_model', 'gen_ai_token_type']),
    sumBy(prometheus, `gen_ai_client_token_usage_count${j}`, ['gen_ai_request_model', 'gen_ai_token_type']),
    prometheus.query(`sum(http_client_request_duration_seconds_count{job="${JOB}",server_port="${new URL(demo.llmUrl).port}"})`),
  ]);
  const [hits, misses, queries, rows, pool, waits, uses, timeouts, breaker] = await Promise.all([
    prometheus.query(`sum(cache_hits_total{job="${JOB}",cache_name="users",cache_operation="get"})`),
    prometheus.query(`sum(cache_misses_total{job="${JOB}",cache_name="users",cache_operation="get"})`),
    sumBy(prometheus, `db_client_operation_duration_seconds_count${j}`, ['db_operation_name', 'db_collection_name', 'error_type']),
    prometheus.query(`sum(db_client_response_returned_rows_count${j})`),
    prometheus.query(
      `label_replace(db_client_connection_count${j}, "what", "$1", "db_client_connection_state", "(.*)")` +
        ` or label_replace(db_client_connection_max${j}, "what", "max", "", "")` +
        ` or label_replace(db_client_connection_pending_requests${j}, "what", "pending", "", "")`,
    ),
    prometheus.query(`sum(db_client_connection_wait_time_seconds_count${j})`),
    prometheus.query(`sum(db_client_connection_use_time_seconds_count${j})`),
    prometheus.query(`sum(db_client_connection_timeouts_total${j})`),
    sumBy(prometheus, `circuit_breaker_call_duration_seconds_count{job="${JOB}",circuit_breaker_name="${BREAKER}"}`, ['circuit_breaker_outcome']),
  ]);
  const value = (samples: InstantSample[]) => samples[0]?.value ?? Number.NaN;
  const actual: Record<string, number> = {};
  for (const [key, count] of Object.entries(requests)) actual[`requests ${key}`] = count;
  Object.assign(
    actual,
    prefix('events duration', eventsDuration),
    prefix('events request bytes', requestBytes),
    prefix('events response bytes', responseBytes),
    { 'events request bytes sum': value(requestBytesSum), 'events response bytes sum': value(responseBytesSum) },
    prefix('llm calls', calls),
  );
  for (const model of MODELS) {
    actual[`llm ttft ${model}`] = ttftCount[model] ?? Number.NaN;
    actual[`llm chunk gaps ${model}`] = gaps[model] ?? Number.NaN;
    for (const type of ['input', 'output']) {
      actual[`llm tokens ${model} ${type}`] = tokens[`${model} ${type}`] ?? Number.NaN;
      actual[`llm token records ${model} ${type}`] = tokenRecords[`${model} ${type}`] ?? Number.NaN;
    }
  }
  actual['llm fetches'] = value(fetches);
  Object.assign(actual, { 'cache hits': value(hits), 'cache misses': value(misses) }, prefix('db', queries));
  const poolValue = (what: string) => pool.find((s) => s.metric['what'] === what)?.value ?? Number.NaN;
  Object.assign(actual, {
    'db rows records': value(rows),
    'pool waits': value(waits),
    'pool uses': value(uses),
    'pool used': poolValue('used'),
    'pool idle': poolValue('idle'),
    'pool max': poolValue('max'),
    'pool pending': poolValue('pending'),
    'pool timeouts': value(timeouts),
    'breaker success': breaker['success'] ?? 0,
    'breaker fallback': breaker['fallback'] ?? 0,
    'breaker failed or rejected': (breaker['failure'] ?? 0) + (breaker['timeout'] ?? 0) + (breaker['rejected'] ?? 0),
  });
  return actual;
}

// ---------------------------------------------------------------------------------------------

const rows: string[] = [];
let demo: Demo;

async function evaluate(
  prometheus: PrometheusServer,
  at: number,
  earlier: Map<string, InstantSample[]>,
  source: string,
  key: string,
  expr: string,
  check: Check | undefined,
  window: string,
) {
  expect(check, `no plausibility check for ${source} "${key}": add one to ${source.toUpperCase()}_CHECKS`).toBeDefined();
  const w = windowBefore(demo.stats, at, WINDOW_SECONDS[window]!);
  const samples = await prometheus.query(expr, at);
  rows.push(`${source} ${key}\n    ${expr}\n    = ${describeSamples(samples)}`);
  expect(samples.length, `${source} "${key}" returned no data: ${expr}`).toBeGreaterThan(0);
  for (const sample of samples) expect(Number.isNaN(sample.value), `${source} "${key}" returned NaN: ${describeSamples(samples)}`).toBe(false);
  check!(samples, w, earlier);
  earlier.set(key, samples);
}

/** A moment whose scrapes (1 s apart) are all stored: queries pinned to it agree with each other. */
const settledInstant = () => Date.now() / 1000 - 2;

/** A Prometheus scraping the demo and evaluating the shipped rules every `interval`. */
function prometheusConfig(scrapeUrl: string, interval: string): string {
  const target = new URL(scrapeUrl);
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'rule_files:',
    `  - ${JSON.stringify(RECORDING_RULES_PATH)}`,
    `  - ${JSON.stringify(ALERT_RULES_PATH)}`,
    'scrape_configs:',
    `  - job_name: ${JOB}`,
    `    metrics_path: ${target.pathname}`,
    '    static_configs:',
    `      - targets: ['${target.host}']`,
    '',
  ].join('\n');
}

describe('the demo under a real Prometheus', () => {
  /** Scrapes every second: every query has a full minute of data within the test. */
  let prometheus: PrometheusServer;
  /** Scrapes every 15 s, a common production interval, with the same rules. */
  let prometheus15s: PrometheusServer;

  beforeAll(async () => {
    demo = await startDemo();
    [prometheus, prometheus15s] = await Promise.all([
      startPrometheus(prometheusConfig(demo.scrapeUrl, '1s')),
      startPrometheus(prometheusConfig(demo.scrapeUrl, '15s')),
    ]);
  }, 60_000);

  afterAll(async () => {
    if (rows.length > 0) console.log(`\nShipped PromQL as evaluated by ${VERSION}:\n\n${rows.join('\n')}\n`);
    await Promise.all([prometheus?.stop(), prometheus15s?.stop(), demo && stopGroup(demo.child)]);
  });

  test('Prometheus scrapes the demo and loads every shipped rule', async () => {
    await expect.poll(async () => (await prometheus.targets()).map((t) => t.health), { timeout: 15_000, interval: 500 }).toEqual(['up']);
    const rules = await prometheus.rules();
    expect(rules.filter((r) => r.type === 'recording').map((r) => r.name)).toEqual(RECORDING_RULES.map((r) => r.record));
    expect(rules.filter((r) => r.type === 'alerting').map((r) => r.name)).toEqual(ALERT_RULES.map((r) => r.alert));
  });

  test('CircuitBreakerOpen fires while the breaker is open, after it opened and recovered once', async () => {
    await expect
      .poll(async () => (await prometheus.alerts()).filter((a) => a.labels['alertname'] === 'CircuitBreakerOpen').map((a) => a.state), {
        timeout: 100_000,
        interval: 1000,
        message: `CircuitBreakerOpen did not fire; demo stderr:\n${demo?.output()}`,
      })
      .toEqual(['firing']);
    // The breaker really is open (or probing) now, in the service's own scrape.
    const { samples } = parsePrometheusText(await (await fetch(demo.scrapeUrl)).text());
    const state = samples.filter((s) => s.name === 'circuit_breaker_state' && s.labels['circuit_breaker_name'] === BREAKER);
    expect(state.find((s) => s.labels['circuit_breaker_state'] === 'closed')?.value).toBe(0);
    expect(state.filter((s) => s.value === 1).map((s) => s.labels['circuit_breaker_state'])).toEqual([expect.stringMatching(/^(open|half_open)$/)]);
    expect(demo.stats.at(-1)!.t, 'a full minute of traffic behind every rate(...[1m])').toBeGreaterThanOrEqual(58);
  }, 110_000);

  test('at a 15 s scrape interval, the alerts the demo triggers become active and no other ever does', async () => {
    // Every rule evaluates without error and every recording rule has produced its series: a
    // [5m] window holds enough 15 s samples for rate().
    const rules = await prometheus15s.rules();
    for (const rule of rules) expect(rule.health, `${rule.name} at 15 s: ${rule.lastError}`).toBe('ok');
    for (const { record } of RECORDING_RULES) {
      await expect.poll(async () => (await prometheus15s.query(record)).length, { timeout: 30_000, interval: 1000, message: `${record} at 15 s` }).toBeGreaterThan(0);
    }
    // The ALERTS series holds every pending or firing alert at each evaluation.
    const expectedActive = Object.keys(EXPECTED_ALERT_STATE).filter((name) => EXPECTED_ALERT_STATE[name] === 'active').sort();
    const active = async () => {
      const samples = await prometheus15s.query('ALERTS{alertstate=~"pending|firing"}');
      return [...new Set(samples.map((s) => s.metric['alertname']!))].filter((name) => expectedActive.includes(name)).sort();
    };
    await expect.poll(active, { timeout: 60_000, interval: 1000, message: `at 15 s; Prometheus log:\n${prometheus15s.log()}` }).toEqual(expectedActive);
    const [open] = await prometheus15s.query(`ALERTS{alertname="CircuitBreakerOpen",circuit_breaker_name="${BREAKER}"}`);
    expect(open?.metric, 'the alert reads "open"').toMatchObject({ circuit_breaker_state: 'open', severity: 'critical', job: JOB });
    // Over the whole run, no alert the demo must not trigger was ever pending or firing.
    const ever = (await prometheus15s.query('count by (alertname) (count_over_time(ALERTS[10m]))')).map((s) => s.metric['alertname']!);
    const inactive = Object.keys(EXPECTED_ALERT_STATE).filter((name) => EXPECTED_ALERT_STATE[name] === 'inactive');
    expect(ever.filter((name) => inactive.includes(name)), `alerts that must stay inactive; every alert ever active: ${ever.join(', ')}`).toEqual([]);
    for (const name of ever.filter((n) => EXPECTED_ALERT_STATE[n] === 'speed-dependent')) rows.push(`    at 15 s, ${name} became pending on this machine (latency)`);
  }, 90_000);

  test('every catalogue series reaches Prometheus, except the two the demo cannot export', async () => {
    const stored = new Set((await prometheus.query(`count by (__name__) ({job="${JOB}"})`)).map((s) => s.metric['__name__']));
    for (const def of CATALOGUE) {
      for (const name of scrapedNames(def)) {
        if (NOT_EXPORTED[def.name] !== undefined) expect(stored, `${name}: ${NOT_EXPORTED[def.name]}`).not.toContain(name);
        else expect(stored, `${name} (${def.name}) in Prometheus`).toContain(name);
      }
    }
    expect(stored, 'the resource as target_info').toContain('target_info');
  });

  test('every dashboard query returns plausible data', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: { title: string; targets?: { refId: string; expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ key: `${p.title}/${t.refId}`, expr: t.expr })));
    expect(queries.length).toBeGreaterThanOrEqual(Object.keys(DASHBOARD_CHECKS).length);
    const at = settledInstant();
    const earlier = new Map<string, InstantSample[]>();
    for (const { key, expr } of queries) {
      await evaluate(prometheus, at, earlier, 'dashboard', key, expr.replaceAll(RATE_INTERVAL, '1m'), DASHBOARD_CHECKS[key], '1m');
    }
  }, 30_000);

  test('every recording rule and alert signal returns plausible data, and alert states follow them', async () => {
    const at = settledInstant();
    const earlier = new Map<string, InstantSample[]>();
    for (const rule of await prometheus.rules()) {
      if (rule.type === 'recording') {
        expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
        await evaluate(prometheus, at, earlier, 'recording', rule.name, rule.query, RECORDING_CHECKS[rule.name], W);
        // The rule's own output series exists too.
        expect((await prometheus.query(rule.name)).length, `${rule.name} has been recorded`).toBeGreaterThan(0);
      }
    }
    for (const rule of ALERT_RULES) await evaluate(prometheus, at, earlier, 'alert', rule.alert, rule.signal, ALERT_CHECKS[rule.alert], W);
    // States as of each rule's last evaluation, compared with its condition at that same instant.
    expect(Object.keys(EXPECTED_ALERT_STATE).sort(), 'an expected state for every shipped alert').toEqual(ALERT_RULES.map((r) => r.alert).sort());
    for (const rule of (await prometheus.rules()).filter((r) => r.type === 'alerting')) {
      const spec = ALERT_RULES.find((a) => a.alert === rule.name)!;
      const evaluatedAt = Date.parse(rule.lastEvaluation!) / 1000;
      const values = (await prometheus.query(spec.signal, evaluatedAt)).map((s) => s.value);
      const holds = (await prometheus.query(alertExpr(spec), evaluatedAt)).length > 0;
      const state = rule.state ?? 'inactive';
      const expected = EXPECTED_ALERT_STATE[rule.name];
      rows.push(`    alert ${rule.name}: ${state} (${spec.signal} = ${values.map(fmt).join(', ')})`);
      const what = `${rule.name} (${alertExpr(spec)}; signal ${values.map(fmt).join(', ')})`;
      if (expected === 'speed-dependent') {
        // Its condition may hold on a busy machine, but not for the 5 minutes it needs to fire.
        expect(state, `${what}: cannot fire before its for: ${spec.for}`).not.toBe('firing');
      } else {
        expect(state === 'inactive' ? 'inactive' : 'active', what).toBe(expected);
        expect(holds, `${rule.name}'s condition agrees with its state`).toBe(state !== 'inactive');
      }
    }
  }, 30_000);

  test('once the traffic drains, Prometheus holds exactly what the generator sent and saw', async () => {
    const drained = await demo.drain();
    expect(drained['failed'] ?? 0, 'requests the generator saw fail on the wire').toBe(0);
    expect(drained.events.length, 'the events endpoint answered').toBeGreaterThan(100);
    const expected = expectedTotals(drained);
    // Poll until the scrapes after the drain are stored; counters only grow, so equality is final.
    await expect.poll(() => actualTotals(prometheus), { timeout: 20_000, interval: 1000 }).toEqual(expected);

    // Durations the events endpoint recorded add up (the service sums them in its own order).
    const [sum] = await prometheus.query(`sum(http_server_request_duration_seconds_sum{job="${JOB}",http_route="/events"})`);
    near(sum!.value, drained.events.reduce((total, e) => total + e.durationS, 0), 1e-9, 'sum of recorded /events durations');

    // Floors set by injected delays hold for every single observation, at any machine speed.
    const count = async (expr: string) => (await prometheus.query(`sum(${expr})`))[0]?.value ?? Number.NaN;
    const reports = Number(drained['route:GET /reports/:id']);
    expect(await count(`http_server_request_duration_seconds_bucket{job="${JOB}",http_route="/reports/:id",le="0.25"}`), 'reports faster than their 300 ms sleep').toBe(0);
    const largeOk = Number(drained['chats:demo-large']) - Number(drained['chatErrors:demo-large'] ?? 0);
    expect(
      await count(`gen_ai_client_operation_time_to_first_chunk_seconds_bucket{job="${JOB}",gen_ai_request_model="demo-mini",le="0.08"}`),
      'demo-mini first chunks before the fake LLM’s 90 ms wait',
    ).toBe(0);
    expect(
      await count(`gen_ai_client_operation_time_to_first_chunk_seconds_bucket{job="${JOB}",gen_ai_request_model="demo-large",le="0.16"}`),
      'demo-large first chunks before the fake LLM’s 200 ms wait',
    ).toBe(0);
    expect(
      await count(`gen_ai_client_operation_duration_seconds_bucket{job="${JOB}",gen_ai_request_model="demo-large",error_type="",le="0.32"}`),
      'answered demo-large calls shorter than 200 + 9 × 25 ms',
    ).toBe(0);
    expect(
      await count(`http_server_request_duration_seconds_bucket{job="${JOB}",http_route="/chat",le="0.25"}`),
      '/chat requests under 0.25 s: at most those that did not wait for a demo-large answer',
    ).toBeLessThanOrEqual(Number(drained['route:POST /chat']) - largeOk);
    const longLeases = (await count(`db_client_connection_use_time_seconds_count{job="${JOB}"}`)) - (await count(`db_client_connection_use_time_seconds_bucket{job="${JOB}",le="0.1"}`));
    expect(longLeases, 'each report holds its connection through its 300 ms sleep').toBeGreaterThanOrEqual(reports);

    // The fetch instrumentation and the opossum adapter agree on calls that reached the upstream.
    const outcomes = await sumBy(prometheus, `circuit_breaker_call_duration_seconds_count{job="${JOB}"}`, ['circuit_breaker_outcome']);
    const upstreamFetches = await count(`http_client_request_duration_seconds_count{job="${JOB}",server_port="${new URL(demo.upstreamUrl).port}"}`);
    expect(upstreamFetches, 'fetches to the pricing upstream = calls the breaker let through').toBe(
      (outcomes['success'] ?? 0) + (outcomes['failure'] ?? 0) + (outcomes['timeout'] ?? 0),
    );
  }, 60_000);
});
