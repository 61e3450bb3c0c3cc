import { execFileSync } from 'node:child_process';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, type ResourceMetrics, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serialize, serializeChunksInSlices, serializeInSlices } from '../../../src/exposition/serializer.js';
import { afterIo, dueTimer } from '../../helpers/loop-phases.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';

const DURATION_BUCKETS = [0.005, 0.01, 0.1, 1, 2.5];

function histogramView(instrumentName: string, boundaries = DURATION_BUCKETS, meterName?: string): ViewOptions {
  return {
    instrumentName,
    ...(meterName === undefined ? {} : { meterName }),
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries } },
    aggregationCardinalityLimit: 10_000,
  };
}

function setup(views: ViewOptions[] = [], attributes: Record<string, string> = { 'service.name': 'checkout' }) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter], views, resource: resourceFromAttributes(attributes) });
  const collect = async (): Promise<ResourceMetrics> => (await exporter.collect()).resourceMetrics;
  return { provider, collect };
}

function sorted(samples: readonly Sample[]): Sample[] {
  const key = (s: Sample): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  return [...samples].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

const warnings: string[] = [];
const logger: DiagLogger = {
  error: () => {},
  warn: (message: string) => warnings.push(message),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
beforeEach(() => {
  warnings.length = 0;
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
});
afterEach(() => diag.disable());

/** One meter with one instrument of each kind, recorded with known values. */
async function recordKnownValues() {
  const { provider, collect } = setup([histogramView('http.server.request.duration')]);
  const meter = provider.getMeter('app', '1.2.3');
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'Duration of HTTP server requests.',
  });
  const hits = meter.createCounter('cache.hits', { unit: '{request}', description: 'Cache hits.' });
  const cpu = meter.createCounter('process.cpu.time', { unit: 's', description: 'CPU time.' });
  const active = meter.createUpDownCounter('http.server.active_requests', { unit: '{request}', description: 'In flight.' });
  const utilization = meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1', description: 'ELU.' });
  utilization.addCallback((result) => result.observe(0.25));
  const get = { 'http.request.method': 'GET', 'http.route': '/users/:id' };
  for (const v of [0.003, 0.004, 0.05, 0.7, 3]) duration.record(v, get);
  duration.record(0.01, { 'http.request.method': 'POST', 'http.route': '/users' });
  hits.add(3, { 'cache.name': 'users' });
  hits.add(2, { 'cache.name': 'sessions' });
  cpu.add(1.5, { 'cpu.mode': 'user' });
  active.add(4, { 'http.request.method': 'GET' });
  active.add(-1, { 'http.request.method': 'GET' });
  return collect();
}

describe('serialize', () => {
  it('writes exact families and samples for counters, up-down counters, gauges and histograms', async () => {
    const text = serialize(await recordKnownValues());
    const { families, samples } = parsePrometheusText(text);
    expect([...families]).toEqual([
      ['target_info', { type: 'gauge', help: 'Target metadata' }],
      ['http_server_request_duration_seconds', { type: 'histogram', help: 'Duration of HTTP server requests.' }],
      ['cache_hits_total', { type: 'counter', help: 'Cache hits.' }],
      ['process_cpu_time_seconds_total', { type: 'counter', help: 'CPU time.' }],
      ['http_server_active_requests', { type: 'gauge', help: 'In flight.' }],
      ['nodejs_eventloop_utilization_ratio', { type: 'gauge', help: 'ELU.' }],
    ]);
    const get = { http_request_method: 'GET', http_route: '/users/:id' };
    const post = { http_request_method: 'POST', http_route: '/users' };
    const bucket = (labels: Record<string, string>, le: string, value: number): Sample => ({
      name: 'http_server_request_duration_seconds_bucket',
      labels: { ...labels, le },
      value,
    });
    expect(sorted(samples)).toEqual(
      sorted([
        { name: 'target_info', labels: { service_name: 'checkout' }, value: 1 },
        bucket(get, '0.005', 2),
        bucket(get, '0.01', 2),
        bucket(get, '0.1', 3),
        bucket(get, '1', 4),
        bucket(get, '2.5', 4),
        bucket(get, '+Inf', 5),
        { name: 'http_server_request_duration_seconds_sum', labels: get, value: 0.003 + 0.004 + 0.05 + 0.7 + 3 },
        { name: 'http_server_request_duration_seconds_count', labels: get, value: 5 },
        bucket(post, '0.005', 0),
        bucket(post, '0.01', 1),
        bucket(post, '0.1', 1),
        bucket(post, '1', 1),
        bucket(post, '2.5', 1),
        bucket(post, '+Inf', 1),
        { name: 'http_server_request_duration_seconds_sum', labels: post, value: 0.01 },
        { name: 'http_server_request_duration_seconds_count', labels: post, value: 1 },
        { name: 'cache_hits_total', labels: { cache_name: 'users' }, value: 3 },
        { name: 'cache_hits_total', labels: { cache_name: 'sessions' }, value: 2 },
        { name: 'process_cpu_time_seconds_total', labels: { cpu_mode: 'user' }, value: 1.5 },
        { name: 'http_server_active_requests', labels: { http_request_method: 'GET' }, value: 3 },
        { name: 'nodejs_eventloop_utilization_ratio', labels: {}, value: 0.25 },
      ]),
    );
    // `le` spelled as written in the view, not 5e-3 or 1.0.
    expect(text).toContain('le="0.005"} 2\n');
    expect(text).toContain('le="1"} 4\n');
    expect(text).toContain('# TYPE cache_hits_total counter\ncache_hits_total{cache_name="users"} 3\n');
  });

  it('matches every upstream PrometheusSerializer sample after the documented unit-suffix renames', async () => {
    const resourceMetrics = await recordKnownValues();
    const ours = parsePrometheusText(serialize(resourceMetrics)).samples;
    // Upstream with scope info off, to compare like for like (promkit's default).
    const upstreamText = new PrometheusSerializer(undefined, false, undefined, false, true).serialize(resourceMetrics);
    const renames = new Map([
      ['http_server_request_duration', 'http_server_request_duration_seconds'],
      ['process_cpu_time_total', 'process_cpu_time_seconds_total'],
      ['nodejs_eventloop_utilization', 'nodejs_eventloop_utilization_ratio'],
    ]);
    const renamed = parsePrometheusText(upstreamText).samples.map((sample) => {
      const [, base = sample.name, suffix = ''] = /^(.*?)(_bucket|_sum|_count)?$/.exec(sample.name) ?? [];
      const name = renames.has(base) ? `${renames.get(base)}${suffix}` : renames.get(sample.name) ?? sample.name;
      return { ...sample, name };
    });
    expect(renamed.length).toBeGreaterThan(20);
    expect(sorted(ours)).toEqual(sorted(renamed));
  });

  it('escapes label values and help text, and JSON-encodes array attributes', async () => {
    const { provider, collect } = setup();
    const counter = provider.getMeter('app').createCounter('odd.values', { description: 'Back\\slash and\nnewline.' });
    counter.add(1, { path: 'C:\\dir\\"quoted"\nnext', list: ['a', 'b"c'], '1st': 'x', 'a-b': 'y' });
    const text = serialize(await collect());
    expect(text).toContain('# HELP odd_values_total Back\\\\slash and\\nnewline.\n');
    const { families, samples } = parsePrometheusText(text);
    expect(families.get('odd_values_total')?.help).toBe('Back\\slash and\nnewline.');
    expect(samples.find((s) => s.name === 'odd_values_total')).toEqual({
      name: 'odd_values_total',
      labels: { path: 'C:\\dir\\"quoted"\nnext', list: '["a","b\\"c"]', key_1st: 'x', a_b: 'y' },
      value: 1,
    });
  });

  it('renames a histogram attribute that would clash with le', async () => {
    const { provider, collect } = setup([histogramView('clash')]);
    provider.getMeter('app').createHistogram('clash').record(1, { le: 'mine', z: 'le="x"' });
    const samples = parsePrometheusText(serialize(await collect())).samples.filter((s) => s.name === 'clash_count');
    expect(samples).toEqual([{ name: 'clash_count', labels: { key_le: 'mine', z: 'le="x"' }, value: 1 }]);
    expect(warnings).toHaveLength(1);
  });

  it('spells NaN and infinities as Prometheus expects', async () => {
    const { provider, collect } = setup();
    const gauge = provider.getMeter('app').createObservableGauge('odd.gauge');
    gauge.addCallback((result) => {
      result.observe(Number.NaN, { v: 'nan' });
      result.observe(Infinity, { v: 'pos' });
      result.observe(-Infinity, { v: 'neg' });
      result.observe(1e21, { v: 'big' });
    });
    const text = serialize(await collect());
    expect(text).toContain('odd_gauge{v="nan"} NaN\n');
    expect(text).toContain('odd_gauge{v="pos"} +Inf\n');
    expect(text).toContain('odd_gauge{v="neg"} -Inf\n');
    expect(parsePrometheusText(text).samples.find((s) => s.labels['v'] === 'big')?.value).toBe(1e21);
  });

  it('keeps the overflow series of a cardinality-limited view visible', async () => {
    const { provider, collect } = setup([{ instrumentName: 'jobs.done', aggregationCardinalityLimit: 3 }]);
    const jobs = provider.getMeter('app').createCounter('jobs.done');
    for (let i = 0; i < 10; i++) jobs.add(1, { 'job.id': `job-${i}` });
    const samples = parsePrometheusText(serialize(await collect())).samples.filter((s) => s.name === 'jobs_done_total');
    const overflow = samples.filter((s) => s.labels['otel_metric_overflow'] === 'true');
    expect(overflow).toHaveLength(1);
    expect(samples.length).toBeLessThanOrEqual(3);
    expect(samples.reduce((sum, s) => sum + s.value, 0)).toBe(10);
  });

  it('writes target_info from the resource, and leaves it out when asked', async () => {
    const resource = { 'service.name': 'api', 'service.version': '2.0.0', 'deployment.environment.name': 'prod' };
    const { collect } = setup([], resource);
    const resourceMetrics = await collect();
    expect(serialize(resourceMetrics)).toBe(
      '# HELP target_info Target metadata\n# TYPE target_info gauge\n' +
        'target_info{service_name="api",service_version="2.0.0",deployment_environment_name="prod"} 1\n',
    );
    expect(serialize(resourceMetrics, { targetInfo: false })).toBe('');
  });

  it('adds scope labels only when asked', async () => {
    const resourceMetrics = await recordKnownValues();
    const off = parsePrometheusText(serialize(resourceMetrics)).samples;
    expect(off.some((s) => 'otel_scope_name' in s.labels)).toBe(false);
    const on = parsePrometheusText(serialize(resourceMetrics, { scopeLabels: true })).samples;
    const series = on.filter((s) => s.name !== 'target_info');
    expect(series.length).toBe(off.length - 1);
    for (const s of series) expect(s.labels).toMatchObject({ otel_scope_name: 'app', otel_scope_version: '1.2.3' });
  });

  it('turns unit suffixes off but keeps _total', async () => {
    const names = [...parsePrometheusText(serialize(await recordKnownValues(), { unitSuffixes: false })).families.keys()];
    expect(names).toEqual([
      'target_info',
      'http_server_request_duration',
      'cache_hits_total',
      'process_cpu_time_total',
      'http_server_active_requests',
      'nodejs_eventloop_utilization',
    ]);
  });
});

describe('families across scopes', () => {
  it('merges the same histogram and counter from two meters into one family, summing identical series', async () => {
    const { provider, collect } = setup([histogramView('http.server.request.duration')]);
    const [a, b] = [provider.getMeter('@opentelemetry/instrumentation-http'), provider.getMeter('promkit')];
    const attrs = { 'http.request.method': 'GET' };
    a.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration.' }).record(0.004, attrs);
    const other = b.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration.' });
    other.record(0.05, attrs);
    other.record(0.5, { 'http.request.method': 'PUT' });
    a.createCounter('cache.hits').add(2, { 'cache.name': 'x' });
    b.createCounter('cache.hits').add(5, { 'cache.name': 'x' });
    const text = serialize(await collect());
    expect(text.match(/# TYPE http_server_request_duration_seconds histogram/g)).toHaveLength(1);
    expect(text.match(/# TYPE cache_hits_total counter/g)).toHaveLength(1);
    const { samples } = parsePrometheusText(text);
    const value = (name: string, labels: Record<string, string>): number[] =>
      samples.filter((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)).map((s) => s.value);
    expect(value('http_server_request_duration_seconds_count', { http_request_method: 'GET' })).toEqual([2]);
    expect(value('http_server_request_duration_seconds_bucket', { http_request_method: 'GET', le: '0.005' })).toEqual([1]);
    expect(value('http_server_request_duration_seconds_bucket', { http_request_method: 'GET', le: '0.1' })).toEqual([2]);
    expect(value('http_server_request_duration_seconds_sum', { http_request_method: 'GET' })).toEqual([0.004 + 0.05]);
    expect(value('http_server_request_duration_seconds_count', { http_request_method: 'PUT' })).toEqual([1]);
    expect(value('cache_hits_total', { cache_name: 'x' })).toEqual([7]);
    expect(warnings).toEqual([]);
    // With scope labels the two scopes are distinct series of the one family.
    const scoped = parsePrometheusText(serialize(await collect(), { scopeLabels: true })).samples;
    expect(scoped.filter((s) => s.name === 'cache_hits_total').map((s) => s.value).sort()).toEqual([2, 5]);
  });

  it('keeps the first metric and warns once when kinds or boundaries conflict', async () => {
    const { provider, collect } = setup([histogramView('lat', [1, 2], 'first'), histogramView('lat', [5], 'second')]);
    const [first, second] = [provider.getMeter('first'), provider.getMeter('second')];
    first.createCounter('jobs').add(1);
    second.createObservableGauge('jobs_total').addCallback((r) => r.observe(9));
    first.createHistogram('lat').record(1.5);
    second.createHistogram('lat').record(1.5);
    const resourceMetrics = await collect();
    const text = serialize(resourceMetrics);
    serialize(resourceMetrics);
    const { families, samples } = parsePrometheusText(text);
    expect(families.get('jobs_total')?.type).toBe('counter');
    expect(samples.filter((s) => s.name === 'jobs_total').map((s) => s.value)).toEqual([1]);
    expect(samples.filter((s) => s.name === 'lat_bucket').map((s) => s.labels['le'])).toEqual(['1', '2', '+Inf']);
    expect(samples.find((s) => s.name === 'lat_count')?.value).toBe(1);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/"jobs_total" is both counter and gauge/);
    expect(warnings.join('\n')).toMatch(/"lat" has different bucket boundaries/);
  });

  it('writes a native-only histogram in text as exact classic buckets at its exponential bounds', async () => {
    const expo: ViewOptions = { instrumentName: 'expo', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } };
    const { provider, collect } = setup([expo]);
    const histogram = provider.getMeter('app').createHistogram('expo');
    // The SDK rescales until 1 and 2 fit its 160 buckets; bucket bounds are powers of 2^(2^-scale), so 1 and 2 are bounds exactly.
    histogram.record(1);
    histogram.record(2);
    histogram.record(0);
    const text = serialize(await collect(), { targetInfo: false });
    const { samples } = parsePrometheusText(text);
    const buckets = samples.filter((s) => s.name === 'expo_bucket');
    // Zero bucket, then one bucket per exponential bucket whose upper bound is exactly 1 and 2, then +Inf.
    expect(buckets.map((s) => [s.labels['le'], s.value]).filter(([, value], i, all) => i === 0 || value !== all[i - 1]?.[1])).toEqual([
      ['0', 1],
      ['1', 2],
      ['2', 3],
    ]);
    expect(buckets.at(-1)).toEqual({ name: 'expo_bucket', labels: { le: '+Inf' }, value: 3 });
    expect(samples.find((s) => s.name === 'expo_count')?.value).toBe(3);
    expect(samples.find((s) => s.name === 'expo_sum')?.value).toBe(3);
    expect(warnings).toEqual([]);
  });
});

describe('serializeInSlices', () => {
  it('produces the same text as serialize for 5k series, yielding to the event loop', async () => {
    const items: ViewOptions = { instrumentName: 'work.items', aggregationCardinalityLimit: 10_000 };
    const { provider, collect } = setup([histogramView('work.duration'), items]);
    const meter = provider.getMeter('app');
    const counter = meter.createCounter('work.items');
    const histogram = meter.createHistogram('work.duration', { unit: 's' });
    for (let i = 0; i < 2500; i++) {
      const attrs = { 'worker.id': `w${i}`, 'work.kind': i % 2 === 0 ? 'even' : 'odd' };
      counter.add(i, attrs);
      histogram.record(i / 1000, attrs);
    }
    const resourceMetrics = await collect();
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      if (ticks < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await serializeInSlices(resourceMetrics, {}, 0);
    expect(ticks).toBeGreaterThan(10);
    expect(sliced).toBe(serialize(resourceMetrics));
    expect(parsePrometheusText(sliced).samples).toHaveLength(1 + 2500 + 2500 * 8);
  });
  it('writes each family header once when a slice ends right after it', async () => {
    // With a negative budget every chunk boundary ends a slice, so for some size of the first
    // family a slice ends between the second family's header and its first sample.
    for (let first = 1; first <= 130; first++) {
      const { provider, collect } = setup();
      const meter = provider.getMeter('app');
      const a = meter.createCounter('family.a');
      for (let i = 0; i < first; i++) a.add(1, { n: String(i) });
      meter.createCounter('family.b').add(2);
      const resourceMetrics = await collect();
      const sliced = await serializeInSlices(resourceMetrics, {}, -1);
      expect(sliced, `first family of ${first} series`).toBe(serialize(resourceMetrics));
      expect(sliced.match(/^# HELP family_b_total /gm)).toHaveLength(1);
    }
  });
});

describe('serializeChunksInSlices', () => {
  it('starts rendering only after the loop ran its due timers, not in the turn the collection settled in', async () => {
    const resourceMetrics = await recordKnownValues();
    await afterIo();
    const timer = dueTimer();
    let firedWhenRenderingStarted: boolean | undefined;
    const watched: ResourceMetrics = {
      resource: resourceMetrics.resource,
      get scopeMetrics() {
        firedWhenRenderingStarted ??= timer.fired();
        return resourceMetrics.scopeMetrics;
      },
    };
    const chunks = await serializeChunksInSlices(watched);
    expect(firedWhenRenderingStarted).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(serialize(resourceMetrics));
  });

  it('gives the text as UTF-8 chunks of whole lines, at most 64 samples each, that decode one by one', async () => {
    const { provider, collect } = setup([{ instrumentName: 'orders', aggregationCardinalityLimit: 10_000 }]);
    const orders = provider.getMeter('app').createCounter('orders');
    for (let i = 0; i < 1000; i++) orders.add(i, { shop: `café-${i}-✓` });
    const resourceMetrics = await collect();
    const chunks = await serializeChunksInSlices(resourceMetrics, {}, -1);
    // Bytes, not strings: rendered text must not stay on the JavaScript heap until it is sent.
    expect(chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    const texts = chunks.map((chunk) => chunk.toString('utf8'));
    expect(texts.join('')).toBe(serialize(resourceMetrics));
    for (const text of texts) {
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length).toBeLessThanOrEqual(64);
    }
    // target_info, then 1000 samples in chunks of 64 (the family header shares the first one's slot).
    expect(chunks).toHaveLength(1 + Math.ceil(1001 / 64));
  });
});

describe('promtool check metrics', () => {
  it('accepts the exposition', async () => {
    let promtool: string;
    try {
      promtool = execFileSync('which', ['promtool'], { encoding: 'utf8' }).trim();
    } catch {
      throw new Error(
        'promtool is not on PATH: install it (Debian/Ubuntu: apt-get install -y prometheus) to run this check.',
      );
    }
    const text = serialize(await recordKnownValues(), { scopeLabels: true });
    const result = execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result).toBe('');
  });
});
