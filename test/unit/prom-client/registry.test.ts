import { afterEach, describe, expect, test } from 'vitest';
import client, {
  Counter,
  Gauge,
  Histogram,
  Metric,
  Registry,
  Summary,
  contentType,
  openMetricsContentType,
  prometheusContentType,
  promkitMetrics,
  register,
} from '../../../src/prom-client/index.js';

afterEach(() => {
  register.clear();
  register.setContentType(prometheusContentType);
});

describe('a registry without promkit started', () => {
  test('metrics() writes the Prometheus text of exactly the metrics registered, in registration order', async () => {
    const requests = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['method'] });
    const queue = new Gauge({ name: 'queue_length', help: 'Queue length.' });
    const latency = new Histogram({ name: 'latency_seconds', help: 'Latency.', buckets: [0.1, 1] });
    const amount = new Summary({ name: 'amount', help: 'Amount.', percentiles: [0.5, 0.9] });
    requests.inc({ method: 'GET' }, 2);
    queue.set(7);
    latency.observe(0.5);
    for (const v of [10, 20, 30]) amount.observe(v);
    expect(await register.metrics()).toBe(
      [
        '# HELP requests_total Requests.',
        '# TYPE requests_total counter',
        'requests_total{method="GET"} 2',
        '',
        '# HELP queue_length Queue length.',
        '# TYPE queue_length gauge',
        'queue_length 7',
        '',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1"} 0',
        'latency_seconds_bucket{le="1"} 1',
        'latency_seconds_bucket{le="+Inf"} 1',
        'latency_seconds_sum 0.5',
        'latency_seconds_count 1',
        '',
        '# HELP amount Amount.',
        '# TYPE amount summary',
        'amount{quantile="0.5"} 20',
        'amount{quantile="0.9"} 30',
        'amount_sum 60',
        'amount_count 3',
        '',
      ].join('\n'),
    );
  });

  test('OpenMetrics: counters get _total on their samples, the family name loses it, # EOF ends the text', async () => {
    register.setContentType(openMetricsContentType);
    new Counter({ name: 'jobs_total', help: 'Jobs.' }).inc(3);
    new Gauge({ name: 'temperature', help: 'Temperature.' }).set(-1.5);
    expect(await register.metrics()).toBe('# HELP jobs Jobs.\n# TYPE jobs counter\njobs_total 3\n# HELP temperature Temperature.\n# TYPE temperature gauge\ntemperature -1.5\n# EOF\n');
    expect(register.contentType).toBe(openMetricsContentType);
  });

  test('a new Registry is independent of the default one', async () => {
    const own = new Registry();
    new Counter({ name: 'only_here', help: 'Only here.', registers: [own] }).inc();
    new Counter({ name: 'only_default', help: 'Default.' });
    expect(await own.metrics()).toBe('# HELP only_here Only here.\n# TYPE only_here counter\nonly_here 1\n');
    expect(own.getSingleMetric('only_default')).toBeUndefined();
    expect(await own.getSingleMetricAsString('only_here')).toBe('# HELP only_here Only here.\n# TYPE only_here counter\nonly_here 1');
  });

  test('clear() forgets metrics: the same name defined again starts at 0, with other labels', async () => {
    const first = new Counter({ name: 'reused_total', help: 'First.' });
    first.inc(102);
    register.clear();
    const second = new Counter({ name: 'reused_total', help: 'Second.', labelNames: ['k'] });
    second.inc({ k: 'x' });
    expect(await register.metrics()).toBe('# HELP reused_total Second.\n# TYPE reused_total counter\nreused_total{k="x"} 1\n');
  });

  test('removeSingleMetric() frees the name; resetMetrics() empties every metric', async () => {
    const a = new Counter({ name: 'a_total', help: 'A.', labelNames: ['k'] });
    a.inc({ k: 'x' }, 5);
    const h = new Histogram({ name: 'h_seconds', help: 'H.', buckets: [1] });
    h.observe(2);
    register.resetMetrics();
    expect(await register.metrics()).toBe('# HELP a_total A.\n# TYPE a_total counter\n\n# HELP h_seconds H.\n# TYPE h_seconds histogram\n');
    register.removeSingleMetric('a_total');
    expect(() => new Gauge({ name: 'a_total', help: 'Now a gauge.' })).not.toThrow();
    expect(register.getSingleMetric('a_total')).toBeInstanceOf(Gauge);
  });

  test('a second metric of the same name in one registry throws, as in prom-client', () => {
    new Counter({ name: 'dup_total', help: 'Dup.' });
    expect(() => new Counter({ name: 'dup_total', help: 'Dup.' })).toThrow('A metric with the name dup_total has already been registered.');
  });

  test('every metric is a Metric; the default registry is Registry.globalRegistry', () => {
    for (const metric of [new Counter({ name: 'm1', help: 'x' }), new Gauge({ name: 'm2', help: 'x' }), new Histogram({ name: 'm3', help: 'x' }), new Summary({ name: 'm4', help: 'x' })]) {
      expect(metric).toBeInstanceOf(Metric);
    }
    expect(Registry.globalRegistry).toBe(register);
    expect(contentType).toBe(prometheusContentType);
  });

  test('the contentType export follows the default registry, and setting it on the module object sets the registry', () => {
    register.setContentType(openMetricsContentType);
    expect(contentType).toBe(openMetricsContentType);
    client.contentType = prometheusContentType;
    expect(register.contentType).toBe(prometheusContentType);
    expect(contentType).toBe(prometheusContentType);
  });

  test('default labels are added to samples that lack them, in metrics() and getMetricsAsJSON()', async () => {
    register.setDefaultLabels({ service: 'api' });
    new Counter({ name: 'd_total', help: 'D.', labelNames: ['service', 'k'] }).inc({ k: 'x' });
    expect(await register.metrics()).toBe('# HELP d_total D.\n# TYPE d_total counter\nd_total{k="x",service="api"} 1\n');
    expect((await register.getMetricsAsJSON())[0]?.values[0]?.labels).toEqual({ k: 'x', service: 'api' });
  });

  test('merge() joins registries of one content type and refuses mixed ones', async () => {
    const a = new Registry();
    const b = new Registry();
    new Gauge({ name: 'ga', help: 'A.', registers: [a] }).set(1);
    new Gauge({ name: 'gb', help: 'B.', registers: [b] }).set(2);
    expect(await Registry.merge([a, b]).metrics()).toBe('# HELP ga A.\n# TYPE ga gauge\nga 1\n\n# HELP gb B.\n# TYPE gb gauge\ngb 2\n');
    expect(() => Registry.merge([a, new Registry(openMetricsContentType)] as never)).toThrow('Registers can only be merged if they have the same content type');
  });

  test("promkitMetrics() says promkit is not started instead of returning ''", async () => {
    await expect(promkitMetrics()).rejects.toThrow('promkit is not started');
  });
});
