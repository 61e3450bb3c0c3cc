import * as promClient from 'prom-client';
import { describe, expect, test } from 'vitest';
import { AggregatorRegistry, Counter, Gauge, Histogram, Metric, Registry, aggregators, collectDefaultMetrics } from '../../../src/prom-client/index.js';

type Shape = Record<string, { type: string; labels: string[] }>;

function shapeOf(metrics: Array<{ name: string; type: unknown; values: Array<{ labels: object }> }>): Shape {
  const shape: Shape = {};
  for (const metric of metrics) {
    const labels = new Set<string>();
    for (const value of metric.values) for (const key of Object.keys(value.labels)) labels.add(key);
    shape[metric.name] = { type: String(metric.type), labels: [...labels].sort() };
  }
  return shape;
}

describe('collectDefaultMetrics', () => {
  test("puts prom-client's default metrics into the registry passed, with prefix and labels on every sample", async () => {
    const ours = new Registry();
    const theirs = new promClient.Registry();
    collectDefaultMetrics({ register: ours, prefix: 'app_', labels: { NODE_APP_INSTANCE: 0 } });
    promClient.collectDefaultMetrics({ register: theirs, prefix: 'app_', labels: { NODE_APP_INSTANCE: 0 } });
    // GC and active-resource samples depend on what ran; their names and types must still match.
    const ourShape = shapeOf(await ours.getMetricsAsJSON());
    const theirShape = shapeOf((await theirs.getMetricsAsJSON()) as never);
    expect(Object.keys(ourShape).sort()).toEqual(Object.keys(theirShape).sort());
    for (const name of Object.keys(theirShape)) {
      expect(ourShape[name]?.type, name).toBe(theirShape[name]?.type);
      if ((theirShape[name]?.labels.length ?? 0) > 0 && (ourShape[name]?.labels.length ?? 0) > 0) expect(ourShape[name]?.labels, name).toEqual(theirShape[name]?.labels);
    }
    for (const metric of await ours.getMetricsAsJSON()) {
      expect(metric.name.startsWith('app_'), metric.name).toBe(true);
      for (const value of metric.values) expect(value.labels, metric.name).toMatchObject({ NODE_APP_INSTANCE: 0 });
    }
    expect(ours.getMetricsAsArray().every((metric) => metric instanceof Metric)).toBe(true);
    expect(collectDefaultMetrics.metricsList).toEqual(promClient.collectDefaultMetrics.metricsList);
  });

  test('gcDurationBuckets sets the GC histogram buckets; a non-object config is refused', () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, gcDurationBuckets: [0.5, 2] });
    expect((registry.getSingleMetric('nodejs_gc_duration_seconds') as Histogram).upperBounds).toEqual([0.5, 2]);
    expect(() => collectDefaultMetrics('yes' as never)).toThrow('config must be null, undefined, or an object');
  });
});

describe('AggregatorRegistry.aggregate and aggregators', () => {
  test("combines processes' getMetricsAsJSON() metric by metric with each metric's aggregator", async () => {
    const worker = async (id: number) => {
      const registry = new Registry();
      new Counter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['kind'], registers: [registry] }).inc({ kind: 'a' }, id);
      new Gauge({ name: 'peak', help: 'Peak.', aggregator: 'max', registers: [registry] }).set(id * 10);
      new Gauge({ name: 'mean_load', help: 'Load.', aggregator: 'average', registers: [registry] }).set(id);
      new Gauge({ name: 'started', help: 'Start.', aggregator: 'first', registers: [registry] }).set(100 + id);
      new Gauge({ name: 'secret', help: 'Omitted.', aggregator: 'omit', registers: [registry] }).set(1);
      new Histogram({ name: 'h', help: 'H.', buckets: [1], registers: [registry] }).observe(id);
      return registry.getMetricsAsJSON();
    };
    const aggregated = AggregatorRegistry.aggregate([await worker(1), await worker(2)]);
    expect(await aggregated.metrics()).toBe(
      [
        '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{kind="a"} 3',
        '# HELP peak Peak.\n# TYPE peak gauge\npeak 20',
        '# HELP mean_load Load.\n# TYPE mean_load gauge\nmean_load 1.5',
        '# HELP started Start.\n# TYPE started gauge\nstarted 101',
        '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2',
      ].join('\n\n') + '\n',
    );
    expect(aggregators.min([{ name: 'x', help: 'x', type: 'gauge', aggregator: 'min', values: [{ value: 4, labels: {} }] }, { name: 'x', help: 'x', type: 'gauge', aggregator: 'min', values: [{ value: 2, labels: {} }] }])?.values).toEqual([{ value: 2, labels: {} }]);
    expect(() => AggregatorRegistry.aggregate([[{ name: 'x', help: 'x', type: 'gauge', aggregator: 'median', values: [] }]])).toThrow("'median' is not a defined aggregator.");
  });

  test("clusterMetrics() outside a cluster resolves to ''; setRegistries() takes only registries", async () => {
    const registry = new AggregatorRegistry();
    expect(await registry.clusterMetrics()).toBe('');
    expect(() => AggregatorRegistry.setRegistries([{}] as never)).toThrow('Expected Registry, got object');
    AggregatorRegistry.setRegistries(new Registry());
  });
});
