import { afterEach, describe, expect, test } from 'vitest';
import { InvalidDefinitionError, ConflictingDefinitionError, ConfigError } from '../../../src/errors.js';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics, register } from '../../../src/prom-client/index.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
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

describe('promkit/prom-client', () => {
  test('counters keep their Prometheus names: no double _total, _total added when missing', async () => {
    const requests = new Counter({ name: 'api_requests_total', help: 'Requests.', labelNames: ['method', 'code'] });
    const jobs = new Counter({ name: 'api_jobs', help: 'Jobs.' });
    handle = await start(LOCAL);
    requests.inc({ method: 'GET', code: 200 });
    requests.inc({ method: 'GET', code: 200 }, 2);
    requests.labels('POST', '500').inc();
    jobs.inc();
    const all = await samples();
    expect(value(all, 'api_requests_total', { method: 'GET', code: '200' })).toBe(3);
    expect(value(all, 'api_requests_total', { method: 'POST', code: '500' })).toBe(1);
    expect(value(all, 'api_jobs_total')).toBe(1);
    expect(all.some((s) => s.name.includes('total_total'))).toBe(false);
  });

  test('metrics defined before start() record once it starts (preload-free apps)', async () => {
    const early = new Gauge({ name: 'api_early_gauge', help: 'Defined at module load.' });
    handle = await start(LOCAL);
    early.set(7);
    expect(value(await samples(), 'api_early_gauge')).toBe(7);
  });

  test('gauges: set, inc, dec, labels children, setToCurrentTime, async collect() awaited before the read', async () => {
    const depth = new Gauge({ name: 'api_queue_depth', help: 'Depth.', labelNames: ['queue'] });
    const polled = new Gauge({
      name: 'api_polled',
      help: 'Read at collection.',
      async collect() {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.set(42);
      },
    });
    handle = await start(LOCAL);
    depth.set({ queue: 'a' }, 5);
    depth.inc({ queue: 'a' }, 2);
    depth.dec({ queue: 'a' });
    depth.labels('b').inc();
    depth.labels({ queue: 'b' }).inc(3);
    const all = await samples();
    expect(value(all, 'api_queue_depth', { queue: 'a' })).toBe(6);
    expect(value(all, 'api_queue_depth', { queue: 'b' })).toBe(4);
    expect(value(all, 'api_polled')).toBe(42);
    expect(polled.name).toBe('api_polled');
  });

  test('histograms: prom-client default buckets, startTimer end(labels) returns the seconds it observed', async () => {
    const duration = new Histogram({ name: 'api_duration_seconds', help: 'Duration.', labelNames: ['route', 'code'] });
    handle = await start(LOCAL);
    duration.observe({ route: '/a', code: '200' }, 0.3);
    duration.labels('/a', '200').observe(0.003);
    const end = duration.startTimer({ route: '/b' });
    const seconds = end({ code: '201' });
    const all = await samples();
    const buckets = all.filter((s) => s.name === 'api_duration_seconds_bucket' && s.labels['route'] === '/a').map((s) => s.labels['le']);
    expect(buckets).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(value(all, 'api_duration_seconds_count', { route: '/a', code: '200' })).toBe(2);
    expect(value(all, 'api_duration_seconds_bucket', { route: '/a', code: '200', le: '0.005' })).toBe(1);
    expect(value(all, 'api_duration_seconds_sum', { route: '/b', code: '201' })).toBeCloseTo(seconds, 12);
    expect(seconds).toBeGreaterThanOrEqual(0);
  });

  test('a Summary is exported as a histogram of the same name: _sum and _count exact', async () => {
    const sizes = new Summary({ name: 'api_payload_bytes', help: 'Sizes.', percentiles: [0.5, 0.99], buckets: [100, 1000] });
    handle = await start(LOCAL);
    sizes.observe(50);
    sizes.observe(500);
    const parsed = parsePrometheusText(await handle.scrape());
    expect(parsed.families.get('api_payload_bytes')?.type).toBe('histogram');
    expect(value(parsed.samples, 'api_payload_bytes_count')).toBe(2);
    expect(value(parsed.samples, 'api_payload_bytes_sum')).toBe(550);
    expect(value(parsed.samples, 'api_payload_bytes_bucket', { le: '100' })).toBe(1);
  });

  test('bad input at record time is dropped and counted, never thrown', async () => {
    const c = new Counter({ name: 'api_bad_total', help: 'Bad.', labelNames: ['a'] });
    const g = new Gauge({ name: 'api_bad_gauge', help: 'Bad.' });
    handle = await start(LOCAL);
    c.inc(-1);
    c.inc({ b: 'x' } as never);
    c.inc(Number.NaN);
    c.labels('x', 'y').inc();
    g.set('3' as never);
    c.inc({ a: 'ok' });
    const all = await samples();
    expect(value(all, 'api_bad_total', { a: 'ok' })).toBe(1);
    expect(all.filter((s) => s.name === 'api_bad_total')).toHaveLength(1);
    expect(value(all, 'api_bad_gauge')).toBe(0); // prom-client's initial 0 for a gauge without labels; '3' was refused
    const dropped = (metric: string, reason: string) =>
      value(all, 'promkit_measurements_dropped_total', { promkit_metric: metric, promkit_reason: reason });
    expect(dropped('api_bad_total', 'negative_increment')).toBe(1);
    expect(dropped('api_bad_total', 'unknown_label')).toBe(1);
    expect(dropped('api_bad_total', 'not_a_number')).toBe(1);
    expect(dropped('api_bad_total', 'invalid_label_value')).toBe(1);
    expect(dropped('api_bad_gauge', 'not_a_number')).toBe(1);
  });

  test('bad definitions throw at definition time; the same definition again is the same metric', () => {
    expect(() => new Counter({ name: 'api:rule', help: 'x' })).toThrow(InvalidDefinitionError);
    expect(() => new Counter({ name: 'api_no_help', help: '' })).toThrow('help is missing');
    expect(() => new Histogram({ name: 'api_bad_le', help: 'x', labelNames: ['le'] })).toThrow(InvalidDefinitionError);
    expect(() => new Histogram({ name: 'api_bad_buckets', help: 'x', buckets: [1, 0.5] })).toThrow('increase');
    const first = new Counter({ name: 'api_twice_total', help: 'x', labelNames: ['a'] });
    expect(new Counter({ name: 'api_twice_total', help: 'x', labelNames: ['a'] })).toBe(first);
    expect(() => new Gauge({ name: 'api_twice_total', help: 'x', labelNames: ['a'] })).toThrow(ConflictingDefinitionError);
  });

  test('reset() and remove() zero counter and gauge series (OpenTelemetry cannot delete them)', async () => {
    const c = new Counter({ name: 'api_resettable_total', help: 'x', labelNames: ['a'] });
    handle = await start(LOCAL);
    c.inc({ a: 'x' }, 5);
    c.inc({ a: 'y' }, 2);
    c.remove('y');
    expect(value(await samples(), 'api_resettable_total', { a: 'y' })).toBe(0);
    c.reset();
    c.inc({ a: 'x' });
    const all = await samples();
    expect(value(all, 'api_resettable_total', { a: 'x' })).toBe(1);
    expect((await c.get()).values).toEqual([
      { labels: { a: 'x' }, value: 1 },
      { labels: { a: 'y' }, value: 0 },
    ]);
  });

  test('register.metrics() is the endpoint text; a custom Registry reports only its own families', async () => {
    const own = new Registry();
    const mine = new Counter({ name: 'api_registry_total', help: 'x', registers: [own] });
    const other = new Gauge({ name: 'api_registry_other', help: 'x' });
    handle = await start(LOCAL);
    mine.inc(2);
    other.set(1);
    const whole = parsePrometheusText(await register.metrics());
    expect(whole.families.has('api_registry_total')).toBe(true);
    expect(whole.families.has('api_registry_other')).toBe(true);
    expect(whole.families.has('target_info')).toBe(true);
    const text = await own.metrics();
    expect(text).toBe('# HELP api_registry_total x\n# TYPE api_registry_total counter\napi_registry_total 2\n');
    expect(register.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(register.getSingleMetric('api_registry_other')).toBe(other);
    expect(await own.getMetricsAsJSON()).toEqual([{ name: 'api_registry_total', help: 'x', type: 'counter', aggregator: 'sum', values: [{ labels: {}, value: 2 }] }]);
    expect(() => own.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)).toThrow(ConfigError);
  });

  test('histogram get() has prom-client shape: cumulative _bucket with le, _sum, _count', async () => {
    const h = new Histogram({ name: 'api_get_seconds', help: 'x', buckets: [1, 2] });
    handle = await start(LOCAL);
    h.observe(1.5);
    expect((await h.get()).values).toEqual([
      { labels: { le: 1 }, value: 0, metricName: 'api_get_seconds_bucket' },
      { labels: { le: 2 }, value: 1, metricName: 'api_get_seconds_bucket' },
      { labels: { le: '+Inf' }, value: 1, metricName: 'api_get_seconds_bucket' },
      { labels: {}, value: 1.5, metricName: 'api_get_seconds_sum' },
      { labels: {}, value: 1, metricName: 'api_get_seconds_count' },
    ]);
  });

  test("collectDefaultMetrics() adds prom-client's runtime names to a running promkit", async () => {
    handle = await start(LOCAL);
    expect(parsePrometheusText(await handle.scrape()).families.has('nodejs_heap_size_used_bytes')).toBe(false);
    collectDefaultMetrics();
    const families = parsePrometheusText(await handle.scrape()).families;
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
  });
});
