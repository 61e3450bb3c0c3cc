/**
 * Names that differ in OpenTelemetry but are one name in Prometheus: refused when the facade
 * defines them (ConflictingDefinitionError naming both), and, when recorded through the raw OTel
 * API, exported once with the rest counted as `name_collision` drops, never as a malformed family.
 */
import type { Meter } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CACHE_HITS } from '../../../src/catalogue/cache.js';
import { ConflictingDefinitionError, InvalidDefinitionError } from '../../../src/errors.js';
import { createFacadeCore } from '../../../src/record/core.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';
import { promtoolCheckMetrics } from '../../helpers/promtool.js';

function conflict(define: () => unknown): ConflictingDefinitionError {
  try {
    define();
  } catch (error) {
    if (error instanceof ConflictingDefinitionError) return error;
    throw error;
  }
  throw new Error('expected a ConflictingDefinitionError');
}

describe('the facade refuses a name that collides once exported', () => {
  test('histograms x.y and x_y: the error names both definitions and the shared name', () => {
    const core = createFacadeCore();
    core.histogram({ name: 'x.y', description: 'First.', buckets: [1] });
    const error = conflict(() => core.histogram({ name: 'x_y', description: 'Second.', buckets: [1] }));
    expect(error.metric).toBe('x_y');
    expect(error.collision).toBe('would be exported as "x_y", which "x.y" already exports');
    expect(error.existing).toMatchObject({ name: 'x.y', kind: 'histogram' });
    expect(error.requested).toMatchObject({ name: 'x_y', kind: 'histogram' });
    expect(error.message.split('\n')[0]).toBe('Metric "x_y" would be exported as "x_y", which "x.y" already exports.');
  });

  test('counters a.b and a_b (both a_b_total)', () => {
    const core = createFacadeCore();
    core.counter({ name: 'a.b', description: 'First.' });
    expect(conflict(() => core.counter({ name: 'a_b', description: 'Second.' })).collision).toBe(
      'would be exported as "a_b_total", which "a.b" already exports',
    );
  });

  test('a user http_server_request_duration beside the catalogue metric, defined or not', () => {
    const core = createFacadeCore();
    const withUnit = conflict(() =>
      core.histogram({ name: 'http_server_request_duration', description: 'Mine.', unit: 's', buckets: [1] }),
    );
    expect(withUnit.collision).toBe(
      'would be exported as "http_server_request_duration_seconds", which "http.server.request.duration" already exports',
    );
    expect(withUnit.existing).toMatchObject({ name: 'http.server.request.duration', kind: 'histogram' });
    // Without a unit it still collides where unit suffixes are turned off.
    expect(conflict(() => core.histogram({ name: 'http_server_request_duration', description: 'Mine.', buckets: [1] })).collision).toBe(
      'would be exported as "http_server_request_duration", which "http.server.request.duration" already exports',
    );
  });

  test("a gauge zz.count beside a histogram zz (zz's _count series)", () => {
    const core = createFacadeCore();
    core.histogram({ name: 'zz', description: 'Histogram.', buckets: [1] });
    expect(conflict(() => core.gauge({ name: 'zz.count', description: 'Gauge.' })).collision).toBe(
      'would be exported as "zz_count", which "zz" already exports',
    );
  });

  test('in either order: the histogram after the gauge is refused too', () => {
    const core = createFacadeCore();
    core.gauge({ name: 'zz.count', description: 'Gauge.' });
    expect(conflict(() => core.histogram({ name: 'zz', description: 'Histogram.', buckets: [1] })).collision).toBe(
      'would be exported as "zz_count", which "zz.count" already exports',
    );
  });

  test('a counter foo and a gauge foo_total or foo.created', () => {
    const core = createFacadeCore();
    core.counter({ name: 'foo', description: 'Counter.' });
    // foo_total is refused on its own: the exporter adds _total itself.
    expect(() => core.gauge({ name: 'foo_total', description: 'Gauge.' })).toThrow(InvalidDefinitionError);
    expect(conflict(() => core.gauge({ name: 'foo.created', description: 'Gauge.' })).collision).toBe(
      'would be exported as "foo_created", which "foo" already exports',
    );
  });

  test('a unit suffix written into another name: histogram lat (ms) and gauge lat.milliseconds', () => {
    const core = createFacadeCore();
    core.histogram({ name: 'lat', description: 'Latency.', unit: 'ms', buckets: [1] });
    expect(conflict(() => core.gauge({ name: 'lat.milliseconds', description: 'Gauge.' })).collision).toBe(
      'would be exported as "lat_milliseconds", which "lat" already exports',
    );
  });

  test('the same definition again, catalogue metrics, and merely similar names are still accepted', () => {
    const core = createFacadeCore();
    const first = core.histogram({ name: 'x.y', description: 'First.', buckets: [1] });
    expect(core.histogram({ name: 'x.y', description: 'First.', buckets: [1] })).toBe(first);
    expect(core.counter(CACHE_HITS).name).toBe('cache.hits');
    expect(createFacadeCore().counter(CACHE_HITS).name).toBe('cache.hits');
    expect(core.histogram({ name: 'x.y.z', description: 'Other.', buckets: [1] }).name).toBe('x.y.z');
    expect(core.gauge({ name: 'x.yz', description: 'Other.' }).name).toBe('x.yz');
  });

  test('a failed definition claims nothing: the name stays free', () => {
    const core = createFacadeCore();
    core.counter({ name: 'a.b', description: 'First.' });
    conflict(() => core.counter({ name: 'a_b', description: 'Second.' }));
    expect(() => core.counter({ name: 'a_b', description: 'Second.' })).toThrow(ConflictingDefinitionError);
    expect(core.counter({ name: 'a.c', description: 'Third.' }).name).toBe('a.c');
  });
});

describe('raw OTel instruments that collide are exported once, the rest counted', () => {
  let t: TestMetrics;
  let raw: Meter;
  beforeEach(() => {
    t = createTestMetrics();
    raw = t.meterProvider.getMeter('raw');
    // Defines the drop counter, so the count shows in the very next collection.
    t.metrics.counter({ name: 'warm.up', description: 'Unrelated.' }).add(Number.NaN);
  });
  afterEach(async () => {
    await t.shutdown();
  });

  const dropped = (metric: string): Promise<number | undefined> =>
    t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': 'name_collision' });

  /** Scrapes, checks the text is well formed (no repeated family or series) and returns its samples. */
  async function scrape(): Promise<Sample[]> {
    const text = await t.scrapeText();
    const { samples } = parsePrometheusText(text);
    const series = samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    expect(series.filter((key, i) => series.indexOf(key) !== i)).toEqual([]);
    const promtool = promtoolCheckMetrics(text);
    expect(promtool.output).not.toMatch(/error|duplicate|parse/i);
    return samples;
  }
  const value = (samples: Sample[], name: string) => samples.filter((s) => s.name === name).map((s) => s.value);

  test('histogram zz and gauge zz.count: zz_count written once, the gauge point counted', async () => {
    raw.createHistogram('zz', { advice: { explicitBucketBoundaries: [1] } }).record(0.5);
    raw.createGauge('zz.count').record(7);
    const samples = await scrape();
    expect(value(samples, 'zz_count')).toEqual([1]);
    expect(await dropped('zz.count')).toBe(1);
  });

  test('histograms x.y and x_y: the first is exported, not a merge of both', async () => {
    raw.createHistogram('x.y', { advice: { explicitBucketBoundaries: [1] } }).record(0.5);
    raw.createHistogram('x_y', { advice: { explicitBucketBoundaries: [1] } }).record(3);
    expect(value(await scrape(), 'x_y_sum')).toEqual([0.5]);
    expect(await dropped('x_y')).toBe(1);
  });

  test('gauge foo_total and counter foo: one foo_total family, the counter counted', async () => {
    raw.createGauge('foo_total').record(3);
    const counter = raw.createCounter('foo');
    counter.add(2, { shard: 'a' });
    counter.add(2, { shard: 'b' });
    expect(value(await scrape(), 'foo_total')).toEqual([3]);
    expect(await dropped('foo')).toBe(2);
  });

  test('counters a.b and a_b are not merged into one a_b_total', async () => {
    raw.createCounter('a.b').add(1);
    raw.createCounter('a_b').add(10);
    expect(value(await scrape(), 'a_b_total')).toEqual([1]);
    expect(await dropped('a_b')).toBe(1);
  });

  test('the same instrument from two scopes still merges into one family (no drop)', async () => {
    raw.createCounter('jobs.done').add(1);
    t.meterProvider.getMeter('other').createCounter('jobs.done').add(2);
    expect(value(await scrape(), 'jobs_done_total')).toEqual([3]);
    expect(await dropped('jobs.done')).toBeUndefined();
  });
});
