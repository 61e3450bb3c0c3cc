/**
 * With promkit running, the layer's registered metrics reach promkit's endpoint through its
 * producer, and the 'drop' policy counts refused calls in promkit_measurements_dropped_total.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Counter, Gauge, Histogram, Registry, Summary, configure, promkitMetrics, register } from '../../../src/prom-client/index.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  configure({ invalidInput: 'throw' });
  register.clear();
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

async function samples(): Promise<Sample[]> {
  return parsePrometheusText(await handle!.scrape()).samples;
}
function value(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return all.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe("the layer's metrics on promkit's endpoint", () => {
  test('counters, gauges, histograms and summaries defined before start() are exported with their values', async () => {
    const requests = new Counter({ name: 'api_requests_total', help: 'Requests.', labelNames: ['method'] });
    const jobs = new Counter({ name: 'api_jobs', help: 'Jobs.' });
    const queue = new Gauge({ name: 'api_queue', help: 'Queue.', collect() { this.set(4); } });
    const latency = new Histogram({ name: 'api_latency_seconds', help: 'Latency.', buckets: [0.1, 1] });
    const amount = new Summary({ name: 'api_amount', help: 'Amount.', percentiles: [0.5] });
    handle = await start(LOCAL);
    requests.inc({ method: 'GET' }, 2);
    jobs.inc();
    latency.observe(0.5);
    latency.observe(5);
    for (const v of [10, 20, 30]) amount.observe(v);
    void queue;
    const all = await samples();
    expect(value(all, 'api_requests_total', { method: 'GET' })).toBe(2);
    // promkit's endpoint writes every counter with _total (docs/migrating-from-prom-client.md).
    expect(value(all, 'api_jobs_total')).toBe(1);
    expect(value(all, 'api_queue')).toBe(4);
    expect(value(all, 'api_latency_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(value(all, 'api_latency_seconds_bucket', { le: '1' })).toBe(1);
    expect(value(all, 'api_latency_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(value(all, 'api_latency_seconds_sum')).toBe(5.5);
    expect(value(all, 'api_amount', { quantile: '0.5' })).toBe(20);
    expect(value(all, 'api_amount_sum')).toBe(60);
    expect(value(all, 'api_amount_count')).toBe(3);
    // The app's own route keeps only what it registered; promkitMetrics() is the whole exposition.
    expect(await register.metrics()).not.toContain('target_info');
    expect(await promkitMetrics()).toContain('api_requests_total{method="GET"} 2');
  });

  test('a metric removed from its registry leaves the endpoint; redefined, it starts fresh', async () => {
    handle = await start(LOCAL);
    const first = new Counter({ name: 'api_reused_total', help: 'First.' });
    first.inc(102);
    expect(value(await samples(), 'api_reused_total')).toBe(102);
    register.clear();
    expect(value(await samples(), 'api_reused_total')).toBeUndefined();
    new Counter({ name: 'api_reused_total', help: 'Second.', labelNames: ['k'] }).inc({ k: 'x' });
    expect(value(await samples(), 'api_reused_total', { k: 'x' })).toBe(1);
  });

  test("a collect() that throws leaves its metric out and is counted; the app's own metrics() rejects as prom-client's", async () => {
    handle = await start(LOCAL);
    // Throws on its first read only, so the second scrape shows exactly the one drop of the first.
    let reads = 0;
    new Gauge({
      name: 'api_broken',
      help: 'Broken once.',
      collect() {
        if (reads++ === 0) throw new Error('no source');
        this.set(7);
      },
    });
    new Gauge({ name: 'api_fine', help: 'Fine.' }).set(2);
    const first = await samples();
    expect(value(first, 'api_fine')).toBe(2);
    expect(value(first, 'api_broken')).toBeUndefined();
    const second = await samples();
    expect(value(second, 'api_broken')).toBe(7);
    expect(value(second, 'promkit_measurements_dropped_total', { promkit_metric: 'api_broken', promkit_reason: 'callback_error' })).toBe(1);
    reads = 0;
    await expect(register.metrics()).rejects.toThrow('no source');
  });

  test("a collect() still running at the collection's deadline leaves its metric out; the scrape answers", async () => {
    handle = await start({ ...LOCAL, collectTimeoutMillis: 200 });
    // Hangs on its first read only, so the second scrape shows exactly the one drop of the first.
    let reads = 0;
    new Gauge({
      name: 'api_slow',
      help: 'Slow once.',
      collect() {
        if (reads++ === 0) return new Promise<void>(() => undefined);
        this.set(3);
        return undefined;
      },
    });
    new Gauge({ name: 'api_quick', help: 'Quick.' }).set(1);
    const first = await samples();
    expect(value(first, 'api_quick')).toBe(1);
    expect(value(first, 'api_slow')).toBeUndefined();
    const second = await samples();
    expect(value(second, 'api_slow')).toBe(3);
    expect(value(second, 'promkit_measurements_dropped_total', { promkit_metric: 'api_slow', promkit_reason: 'callback_timeout' })).toBe(1);
  });

  test("metrics of the app's own registries are exported too, one per name", async () => {
    handle = await start(LOCAL);
    const own = new Registry();
    new Gauge({ name: 'api_own', help: 'Own.', registers: [own] }).set(3);
    expect(value(await samples(), 'api_own')).toBe(3);
  });
});

describe("configure({ invalidInput: 'drop' })", () => {
  test('refused calls are dropped and counted instead of thrown', async () => {
    handle = await start(LOCAL);
    const counter = new Counter({ name: 'api_dropping_total', help: 'D.', labelNames: ['k'] });
    expect(() => counter.inc(-1)).toThrow('It is not possible to decrease a counter');
    configure({ invalidInput: 'drop' });
    counter.inc(-1);
    counter.inc({ nope: 'x' } as never);
    counter.labels('a', 'b').inc();
    counter.inc({ k: 'ok' });
    const all = await samples();
    expect(value(all, 'api_dropping_total', { k: 'ok' })).toBe(1);
    expect(value(all, 'promkit_measurements_dropped_total', { promkit_metric: 'api_dropping_total', promkit_reason: 'negative_increment' })).toBe(1);
    expect(value(all, 'promkit_measurements_dropped_total', { promkit_metric: 'api_dropping_total', promkit_reason: 'unknown_label' })).toBe(1);
    expect(value(all, 'promkit_measurements_dropped_total', { promkit_metric: 'api_dropping_total', promkit_reason: 'invalid_label_value' })).toBe(1);
  });

  test('an unknown policy is refused', () => {
    expect(() => configure({ invalidInput: 'ignore' as never })).toThrow("invalidInput must be 'throw' or 'drop'");
  });
});
