/**
 * The whole path the seeds describe, against real processes: the demo (`examples/demo/main.mjs`:
 * service with the preload, fake LLM, flaky upstream, traffic) on free loopback ports, a real
 * Prometheus scraping it every second with the shipped rules loaded, and every query we ship
 * (each dashboard target, each recording rule, each alert's signal) evaluated through the HTTP
 * API and compared with what the traffic generator sent and saw.
 *
 * Timeline (~65 s): traffic starts; the pricing upstream is down from 8 s to 13 s (the breaker
 * opens, then recovers through half-open) and again from 28 s on (it opens and stays open); the
 * CircuitBreakerOpen alert (`for: 30s`) fires at about 60 s, when every query has a full minute
 * of data behind it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALERT_RULES, ALERT_RULES_PATH, RECORDING_RULES, RECORDING_RULES_PATH, type AlertRule } from '../../scripts/prometheus-rules.js';
import { DASHBOARD_PATH, RATE_INTERVAL } from '../../scripts/grafana-dashboard.js';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';
import { killGroup, prometheusVersion, startPrometheus, stopGroup, type InstantSample, type PrometheusServer } from '../helpers/prometheus-server.js';

const VERSION = prometheusVersion();
if (VERSION === undefined) {
  console.warn(
    '\n' +
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' +
      '!! SKIPPING test/e2e-prometheus.test.ts: no `prometheus` binary on the PATH.            !!\n' +
      '!! Install Debian\'s "prometheus" package (CI does) to run the end-to-end test.         !!\n' +
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n',
  );
}

/** Upstream down 8–13 s (open, then recover) and from 28 s on (open until the end). */
const UPSTREAM_SCHEDULE = 'up:8,down:5,up:15,down:600';
const JOB = 'promkit-demo';
const BREAKER = 'pricing';
/** Every route template the demo serves; nothing else may appear as `http_route`. */
const ROUTES = ['/users/:id', '/orders/:id', '/orders', '/reports/:id', '/chat', '/quotes/:id', '/*unmatched'];
const MODELS = ['demo-mini', 'demo-large'];

// ---------------------------------------------------------------------------------------------
// The demo process

type Stats = Record<string, number | string> & { t: number };

interface Demo {
  readonly child: ChildProcess;
  readonly scrapeUrl: string;
  readonly stats: Stats[];
  output(): string;
}

async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, ['examples/demo/main.mjs', '--json'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      DEMO_UPSTREAM_SCHEDULE: UPSTREAM_SCHEDULE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  let pending = '';
  const stats: Stats[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo was not ready in 45 s:\n${output}`)), 45_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string; scrapeUrl?: string } & Stats;
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolve(event.scrapeUrl!);
        } else if (event.event === 'stats') stats.push(event);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  return { child, scrapeUrl: await ready, stats, output: () => output };
}

// Every process this file starts is a group leader; kill the groups even if the worker dies.
const running: ChildProcess[] = [];
process.once('exit', () => running.forEach((child) => killGroup(child, 'SIGKILL')));

// ---------------------------------------------------------------------------------------------
// What the generator saw over the last minute (the window `rate(...[1m])` covers)

interface Window {
  readonly seconds: number;
  count(key: string): number;
  rate(key: string): number;
}

function lastMinute(stats: readonly Stats[]): Window {
  const last = stats.at(-1);
  if (last === undefined) throw new Error('the demo printed no stats');
  const first = stats.find((s) => s.t >= last.t - 60) ?? last;
  const seconds = last.t - first.t;
  const count = (key: string) => Number(last[key] ?? 0) - Number(first[key] ?? 0);
  return { seconds, count, rate: (key) => count(key) / seconds };
}

// ---------------------------------------------------------------------------------------------
// Checks: one per shipped expression, keyed by panel/refId, record name or alert name

type Check = (samples: InstantSample[], w: Window) => void;

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

/** histogram_quantile interpolates inside the bucket that holds the quantile: (lo, hi]. */
function inBucket(actual: number, lo: number, hi: number, what: string): void {
  expect(actual, `${what} should be in the bucket (${lo}, ${hi}]`).toBeGreaterThan(lo);
  expect(actual, `${what} should be in the bucket (${lo}, ${hi}]`).toBeLessThanOrEqual(hi);
}

function labelSet(samples: InstantSample[], label: string): string[] {
  return [...new Set(samples.map((s) => s.metric[label] ?? ''))].sort();
}

function expectRoutes(samples: InstantSample[]): void {
  expect(labelSet(samples, 'http_route')).toEqual([...ROUTES].sort());
  for (const route of labelSet(samples, 'http_route')) expect(route, 'a raw id leaked into http_route').not.toMatch(/\d/);
}

const requestRate = (w: Window) => w.rate('requests');
const errorRatio = (w: Window) => w.count('status5xx') / w.count('requests');
const hitRatio = (w: Window) => w.count('cacheHits') / (w.count('cacheHits') + w.count('cacheMisses'));
/** Successful chats per second for a model. */
const chatsOk = (w: Window, model: string) => w.rate(`chats:${model}`) - w.rate(`chatErrors:${model}`);

/** Per-model time to first chunk: 90 ms and 200 ms in the fake LLM, plus the request itself. */
function ttftBuckets(samples: InstantSample[], what: string): void {
  inBucket(one(samples, { gen_ai_request_model: 'demo-mini' }), 0.08, 0.16, `${what} demo-mini (90 ms)`);
  inBucket(one(samples, { gen_ai_request_model: 'demo-large' }), 0.16, 0.32, `${what} demo-large (200 ms)`);
}

function tokenRates(samples: InstantSample[], w: Window): void {
  for (const model of MODELS) {
    for (const type of ['input', 'output']) {
      const value = one(samples, { gen_ai_request_model: model, gen_ai_token_type: type });
      near(value, w.rate(`tokens:${model}:${type}`), 0.3, `${model} ${type} tokens/s`);
    }
  }
}

function reportsLatency(samples: InstantSample[], what: string): void {
  // /reports/:id sleeps 300 ms: every observation is in (0.25, 0.5], so each quantile is too.
  inBucket(one(samples, { http_route: '/reports/:id' }), 0.25, 0.5, `${what} of /reports/:id`);
}

const DASHBOARD_CHECKS: Record<string, Check> = {
  'Scrape target up/A': (s) => expect(one(s, { job: JOB })).toBe(1),
  'Service identity/A': (s) => expect(one(s, { service_name: 'promkit-demo', service_version: '0.1.0', deployment_environment_name: 'demo' })).toBe(1),
  'Request rate by route/A': (s, w) => {
    expectRoutes(s);
    near(s.reduce((sum, x) => sum + x.value, 0), requestRate(w), 0.25, 'requests/s');
    near(one(s, { http_route: '/users/:id' }), w.rate('route:GET /users/:id'), 0.25, '/users/:id requests/s');
  },
  'Server error ratio/A': (s, w) => near(one(s), errorRatio(w), 0, 'error ratio', 0.015),
  'Latency p50 / p95 / p99/A': (s) => inBucket(one(s), 0, 0.1, 'p50'),
  'Latency p50 / p95 / p99/B': (s) => inBucket(one(s), 0.25, 0.5, 'p95 (15% of requests take 0.27-0.45 s)'),
  'Latency p50 / p95 / p99/C': (s) => inBucket(one(s), 0.25, 0.75, 'p99'),
  'p95 latency by route/A': (s) => {
    expectRoutes(s);
    reportsLatency(s, 'p95');
    inBucket(one(s, { http_route: '/chat' }), 0.25, 0.5, 'p95 of /chat');
    for (const route of ['/users/:id', '/orders/:id', '/orders', '/quotes/:id', '/*unmatched']) {
      inBucket(one(s, { http_route: route }), 0, 0.1, `p95 of ${route}`);
    }
  },
  'Responses by status code/A': (s, w) => {
    expect(labelSet(s, 'http_response_status_code')).toEqual(['200', '201', '404', '500', '502']);
    near(one(s, { http_response_status_code: '500' }), w.rate('route:GET /orders/:id:500'), 0.35, '500s/s', 0.05);
    near(one(s, { http_response_status_code: '404' }), w.rate('route:GET /*unmatched:404'), 0.35, '404s/s', 0.05);
  },
  'In-flight requests/A': (s) => {
    expect(labelSet(s, 'http_request_method')).toEqual(['GET', 'POST']);
    for (const x of s) inBucket(x.value, -1, 50, 'in-flight requests');
  },
  'Outgoing requests p95 by server/A': (s) => {
    expect(s.length, 'the fake LLM and the pricing upstream').toBe(2);
    for (const x of s) inBucket(x.value, 0, 1, `p95 to ${x.metric['server_address']}:${x.metric['server_port']}`);
  },
  'LLM calls by model and outcome/A': (s, w) => {
    for (const model of MODELS) near(one(s, { gen_ai_request_model: model, error_type: '' }), chatsOk(w, model), 0.3, `${model} ok calls/s`);
    // The fake LLM refuses every 10th request; with models alternating, that is always demo-large.
    const refused = s.filter((x) => x.metric['error_type'] !== undefined);
    expect(refused.map((x) => `${x.metric['gen_ai_request_model']} ${x.metric['error_type']}`)).toEqual(['demo-large RateLimitError']);
    near(refused[0]!.value, w.rate('chatErrors:demo-large'), 0.4, 'refused calls/s', 0.03);
  },
  'Time to first chunk p95 by model/A': (s) => ttftBuckets(s, 'TTFT p95'),
  'Time per output chunk p50 by model/A': (s) => {
    for (const model of MODELS) inBucket(one(s, { gen_ai_request_model: model }), 0.02, 0.04, `chunk gap p50 of ${model} (25 ms)`);
  },
  'Call duration p95 by model/A': (s) => {
    inBucket(one(s, { gen_ai_request_model: 'demo-mini' }), 0.16, 0.32, 'demo-mini call p95 (90 + 5×25 ms)');
    inBucket(one(s, { gen_ai_request_model: 'demo-large' }), 0.32, 0.64, 'demo-large call p95 (200 + 9×25 ms)');
  },
  'Tokens per second by model and type/A': tokenRates,
  'Hit ratio by cache/A': (s, w) => near(one(s, { cache_name: 'users' }), hitRatio(w), 0, 'cache hit ratio', 0.05),
  'Hits, misses and evictions/A': (s, w) => near(one(s, { cache_name: 'users' }), w.rate('cacheHits'), 0.3, 'hits/s'),
  'Hits, misses and evictions/B': (s, w) => near(one(s, { cache_name: 'users' }), w.rate('cacheMisses'), 0.3, 'misses/s'),
  'Hits, misses and evictions/C': (s, w) => inBucket(one(s, { cache_name: 'users' }), 0, w.rate('cacheMisses') * 1.3, 'evictions/s (at most one per miss)'),
  'Entries/A': (s) => expect(one(s, { cache_name: 'users' }), 'the LRU holds at most 40 users and is full').toBe(40),
  'Size/A': (s) => inBucket(one(s, { cache_name: 'users' }), 40 * 30, 64 * 1024, 'cache bytes (40 entries of ~40 B)'),
  'Operation p99/A': (s) => {
    expect(labelSet(s, 'cache_operation')).toEqual(['get', 'set']);
    for (const x of s) inBucket(x.value, 0, 0.01, `cache ${x.metric['cache_operation']} p99`);
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
    for (const x of s) inBucket(x.value, 0, 0.1, `query p95 of ${x.metric['db_operation_name']} ${x.metric['db_collection_name']}`);
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
    expect(labelSet(s, 'circuit_breaker_outcome')).toEqual(['failure', 'fallback', 'rejected', 'success']);
    for (const x of s) expect(x.value, `${x.metric['circuit_breaker_outcome']} calls/s`).toBeGreaterThan(0);
  },
  // promkit's window is the last 100 calls within 60 s, not opossum's 5 s rolling window: it still
  // holds the successes from before the outage, and rejected calls do not count, so it is well
  // below opossum's 100 % yet clearly up from 0.
  'Failure rate (breaker window)/A': (s) => inBucket(one(s, { circuit_breaker_name: BREAKER }), 0.1, 1, 'failure rate while the upstream is down'),
  'Transitions since start/A': (s) => {
    const edge = (from: string, to: string) => one(s, { circuit_breaker_from_state: from, circuit_breaker_to_state: to });
    expect(edge('closed', 'open'), 'opened once in each outage').toBe(2);
    expect(edge('open', 'half_open'), 'probed after resetTimeout').toBeGreaterThanOrEqual(1);
    expect(edge('half_open', 'closed'), 'recovered after the first outage').toBeGreaterThanOrEqual(1);
  },
  'CPU seconds per second by mode/A': (s) => {
    expect(labelSet(s, 'cpu_mode')).toEqual(['system', 'user']);
    inBucket(one(s, { cpu_mode: 'user' }), 0, 2, 'user CPU cores busy (2-core machine)');
  },
  'Resident memory/A': (s) => inBucket(one(s, { job: JOB }), 20 * 2 ** 20, 4 * 2 ** 30, 'RSS bytes'),
  'V8 heap used/A': (s) => inBucket(one(s, { job: JOB }), 2 ** 20, 2 ** 31, 'heap used bytes'),
  'Event loop delay p99/A': (s) => inBucket(one(s, { job: JOB }), 0, 1, 'event loop delay p99 (s)'),
  'Event loop utilization/A': (s) => inBucket(one(s, { job: JOB }), 0, 1, 'event loop utilization'),
  'GC time per second by type/A': (s) => {
    for (const x of s) inBucket(x.value, -1e-9, 0.5, `GC share of ${x.metric['v8js_gc_type']}`);
    expect(s.some((x) => x.value > 0), 'some GC ran in the last minute').toBe(true);
  },
  'Uptime/A': (s) => inBucket(one(s, { job: JOB }), 58, 600, 'service uptime (s), a minute of traffic and more'),
};

const RECORDING_CHECKS: Record<string, Check> = {
  'job:http_server_requests:rate1m': (s, w) => near(one(s, { job: JOB }), requestRate(w), 0.25, 'requests/s'),
  'job_route:http_server_requests:rate1m': (s, w) => {
    expectRoutes(s);
    near(one(s, { http_route: '/chat' }), w.rate('route:POST /chat'), 0.3, '/chat requests/s');
  },
  'job:http_server_request_errors:ratio_rate1m': (s, w) => near(one(s, { job: JOB }), errorRatio(w), 0, 'error ratio', 0.015),
  'job_route:http_server_request_duration_seconds:p50_rate1m': (s) => reportsLatency(s, 'p50'),
  'job_route:http_server_request_duration_seconds:p95_rate1m': (s) => reportsLatency(s, 'p95'),
  'job_route:http_server_request_duration_seconds:p99_rate1m': (s) => reportsLatency(s, 'p99'),
  'job:http_server_request_duration_seconds:p95_rate1m': (s) => inBucket(one(s, { job: JOB }), 0.25, 0.5, 'service p95'),
  'job_cache:cache_hits:ratio_rate1m': (s, w) => near(one(s, { cache_name: 'users' }), hitRatio(w), 0, 'cache hit ratio', 0.05),
  'job_model_type:gen_ai_client_tokens:rate1m': tokenRates,
  'job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate1m': (s) => ttftBuckets(s, 'recorded TTFT p95'),
};

/** Alert signals: the value must be plausible; whether the alert is active is checked separately. */
const ALERT_CHECKS: Record<string, Check> = {
  HttpHighErrorRatio: RECORDING_CHECKS['job:http_server_request_errors:ratio_rate1m']!,
  HttpLatencyP95OverSlo: RECORDING_CHECKS['job:http_server_request_duration_seconds:p95_rate1m']!,
  CircuitBreakerOpen: (s) => expect(one(s, { circuit_breaker_name: BREAKER }), 'the closed series is 0 while the breaker is open').toBe(0),
  LlmTimeToFirstChunkP95High: (s) => ttftBuckets(s, 'TTFT p95'),
  CacheHitRatioLow: RECORDING_CHECKS['job_cache:cache_hits:ratio_rate1m']!,
  ScrapeTargetDown: (s) => expect(one(s, { job: JOB })).toBe(1),
};

/** What the demo's steady traffic should do to each alert while the breaker is open. */
const EXPECTED_ALERT_STATE: Record<string, 'inactive' | 'firing'> = {
  HttpHighErrorRatio: 'inactive', // ~2.7% < 5%
  HttpLatencyP95OverSlo: 'inactive', // p95 ≤ 0.5 s
  CircuitBreakerOpen: 'firing',
  LlmTimeToFirstChunkP95High: 'inactive', // 0.1-0.2 s < 1.28 s
  CacheHitRatioLow: 'inactive', // ~0.65 > 0.5
  ScrapeTargetDown: 'inactive',
};

function holds(rule: AlertRule, value: number): boolean {
  return rule.op === '>' ? value > rule.threshold : rule.op === '<' ? value < rule.threshold : value === rule.threshold;
}

// ---------------------------------------------------------------------------------------------

const rows: string[] = [];

async function evaluate(prometheus: PrometheusServer, demo: Demo, source: string, key: string, expr: string, check: Check | undefined) {
  expect(check, `no plausibility check for ${source} "${key}": add one to ${source.toUpperCase()}_CHECKS`).toBeDefined();
  const w = lastMinute(demo.stats);
  const samples = await prometheus.query(expr);
  rows.push(`${source} ${key}\n    ${expr}\n    = ${describeSamples(samples)}`);
  expect(samples.length, `${source} "${key}" returned no data: ${expr}`).toBeGreaterThan(0);
  for (const sample of samples) expect(Number.isNaN(sample.value), `${source} "${key}" returned NaN: ${describeSamples(samples)}`).toBe(false);
  check!(samples, w);
}

describe.skipIf(VERSION === undefined)('the demo under a real Prometheus', () => {
  let demo: Demo;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    demo = await startDemo();
    const target = new URL(demo.scrapeUrl);
    prometheus = await startPrometheus(
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${JSON.stringify(RECORDING_RULES_PATH)}`,
        `  - ${JSON.stringify(ALERT_RULES_PATH)}`,
        'scrape_configs:',
        `  - job_name: ${JOB}`,
        `    metrics_path: ${target.pathname}`,
        '    static_configs:',
        `      - targets: ['${target.host}']`,
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    if (rows.length > 0) console.log(`\nShipped PromQL as evaluated by ${VERSION}:\n\n${rows.join('\n')}\n`);
    await Promise.all([prometheus?.stop(), demo && stopGroup(demo.child)]);
  });

  test('Prometheus scrapes the demo and loads every shipped rule', async () => {
    await expect.poll(async () => (await prometheus.targets()).map((t) => t.health), { timeout: 15_000, interval: 500 }).toEqual(['up']);
    const rules = await prometheus.rules();
    expect(rules.filter((r) => r.type === 'recording').map((r) => r.name)).toEqual(RECORDING_RULES.map((r) => r.record));
    expect(rules.filter((r) => r.type === 'alerting').map((r) => r.name)).toEqual(ALERT_RULES.map((r) => r.alert));
    // Every series the rules and dashboard read is in the scrape.
    const text = await (await fetch(demo.scrapeUrl)).text();
    const names = new Set(parsePrometheusText(text).samples.map((s) => s.name));
    for (const name of ['http_server_request_duration_seconds_bucket', 'gen_ai_client_operation_time_to_first_chunk_seconds_bucket', 'cache_hits_total', 'db_client_operation_duration_seconds_count', 'circuit_breaker_state']) {
      expect(names, `${name} in the scrape`).toContain(name);
    }
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

  test('every dashboard query returns plausible data', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: { title: string; targets?: { refId: string; expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ key: `${p.title}/${t.refId}`, expr: t.expr })));
    expect(queries.length).toBeGreaterThanOrEqual(Object.keys(DASHBOARD_CHECKS).length);
    for (const { key, expr } of queries) {
      await evaluate(prometheus, demo, 'dashboard', key, expr.replaceAll(RATE_INTERVAL, '1m'), DASHBOARD_CHECKS[key]);
    }
  }, 30_000);

  test('every recording rule and alert signal returns plausible data, and alert states follow them', async () => {
    for (const rule of await prometheus.rules()) {
      if (rule.type === 'recording') {
        expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
        await evaluate(prometheus, demo, 'recording', rule.name, rule.query, RECORDING_CHECKS[rule.name]);
        // The rule's own output series exists too.
        expect((await prometheus.query(rule.name)).length, `${rule.name} has been recorded`).toBeGreaterThan(0);
      }
    }
    const alerts = await prometheus.alerts();
    for (const rule of ALERT_RULES) {
      await evaluate(prometheus, demo, 'alert', rule.alert, rule.signal, ALERT_CHECKS[rule.alert]);
      const values = (await prometheus.query(rule.signal)).map((s) => s.value);
      const state = alerts.find((a) => a.labels['alertname'] === rule.alert)?.state ?? 'inactive';
      rows.push(`    alert state: ${state}`);
      expect(state, `${rule.alert} (${rule.signal} ${rule.op} ${rule.threshold}; values ${values.map(fmt).join(', ')})`).toBe(EXPECTED_ALERT_STATE[rule.alert]);
      expect(values.some((v) => holds(rule, v)), `${rule.alert}'s condition agrees with its state`).toBe(state !== 'inactive');
    }
  }, 30_000);
});
