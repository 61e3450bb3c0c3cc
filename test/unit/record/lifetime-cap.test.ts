/**
 * The cardinality limit bounds the life of the process: label sets keep arriving, a collection
 * after each batch, and no metric ever holds more than `limit - 1` label sets plus the overflow
 * series, while totals stay exact and every refused label set is counted.
 */
import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

const ROUNDS = 10;
const PER_ROUND = 2_000;
const LIMIT = 2_000;

let t: TestMetrics;
afterEach(async () => {
  await t.shutdown();
});

interface Seen {
  series: number;
  overflow: number;
  /** Sum of values (sums) or counts (histograms) over every series. */
  total: number;
}

/** Series, overflow series and the total of each metric, over every scope it appears in. */
function summarise(collected: ResourceMetrics): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  for (const scope of collected.scopeMetrics) {
    for (const metric of scope.metrics) {
      const entry = seen.get(metric.descriptor.name) ?? { series: 0, overflow: 0, total: 0 };
      for (const point of metric.dataPoints as Array<{ attributes: Attributes; value: number | Histogram }>) {
        entry.series++;
        if (point.attributes['otel.metric.overflow'] === true) entry.overflow++;
        entry.total += metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as Histogram).count : (point.value as number);
      }
      seen.set(metric.descriptor.name, entry);
    }
  }
  return seen;
}

function refused(collected: ResourceMetrics, metric: string): number {
  let count = 0;
  for (const scope of collected.scopeMetrics) {
    for (const m of scope.metrics) {
      if (m.descriptor.name !== 'promkit.measurements.dropped') continue;
      for (const point of m.dataPoints as Array<{ attributes: Attributes; value: number }>) {
        if (point.attributes['promkit.metric'] === metric && point.attributes['promkit.reason'] === 'cardinality_limit') count += point.value;
      }
    }
  }
  return count;
}

describe('the cardinality limit holds for the life of the process', () => {
  test(`${ROUNDS} rounds of ${PER_ROUND} new label values, one collection each: facade and raw OTel instruments keep ${LIMIT} series`, async () => {
    t = createTestMetrics({ cardinalityLimit: LIMIT });
    const labels = ['user'] as const;
    const counter = t.metrics.counter({ name: 'cap.counter', description: 'Counter.', labels });
    const upDown = t.metrics.upDownCounter({ name: 'cap.updown', description: 'Up-down counter.', labels });
    const gauge = t.metrics.gauge({ name: 'cap.gauge', description: 'Gauge.', labels });
    const histogram = t.metrics.histogram({ name: 'cap.histogram', description: 'Histogram.', labels, buckets: [1, 2] });
    const meter = t.meterProvider.getMeter('raw');
    const rawCounter = meter.createCounter('cap.raw.counter');
    const rawUpDown = meter.createUpDownCounter('cap.raw.updown');
    const rawGauge = meter.createGauge('cap.raw.gauge');
    const rawHistogram = meter.createHistogram('cap.raw.histogram', { advice: { explicitBucketBoundaries: [1, 2] } });
    const sums = ['cap.counter', 'cap.updown', 'cap.histogram', 'cap.raw.counter', 'cap.raw.updown', 'cap.raw.histogram'];
    const gauges = ['cap.gauge', 'cap.raw.gauge'];

    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) {
        const user = `u${round * PER_ROUND + i}`;
        counter.add(1, { user });
        upDown.add(1, { user });
        gauge.set(i, { user });
        histogram.record(1.5, { user });
        rawCounter.add(1, { user });
        rawUpDown.add(1, { user });
        rawGauge.record(i, { user });
        rawHistogram.record(1.5, { user });
      }
      const seen = summarise(await t.collect());
      const recorded = (round + 1) * PER_ROUND;
      for (const name of [...sums, ...gauges]) {
        const entry = seen.get(name);
        expect(entry?.series, `${name} after round ${round}`).toBe(LIMIT);
        expect(entry?.overflow, `${name} after round ${round}`).toBe(1);
      }
      for (const name of sums) expect(seen.get(name)?.total, `${name} total after round ${round}`).toBe(recorded);
    }

    // Counted at the next collection for raw instruments: their refusals are found while collecting.
    const last = await t.collect();
    const expectedRefused = 1 + (ROUNDS - 1) * PER_ROUND;
    for (const name of [...sums, ...gauges]) expect(refused(last, name), name).toBe(expectedRefused);
  }, 120_000);

  test('a raw OTel counter keeps counting into the series it admitted, and refused label sets add to the overflow series', async () => {
    t = createTestMetrics({ cardinalityLimit: 3 });
    const counter = t.meterProvider.getMeter('raw').createCounter('cap.small');
    counter.add(1, { k: 'a' });
    counter.add(1, { k: 'b' });
    await t.collect();
    counter.add(2, { k: 'a' });
    counter.add(5, { k: 'c' });
    counter.add(7, { k: 'd' });
    expect(await t.getValue('cap.small', { k: 'a' })).toBe(3);
    expect(await t.getValue('cap.small', { k: 'b' })).toBe(1);
    expect(await t.getValue('cap.small', { 'otel.metric.overflow': true })).toBe(12);
    expect(await t.getValue('cap.small', { k: 'c' })).toBeUndefined();
  });
});

describe('the first refusal of each metric warns once, naming the label that churns', () => {
  test('a facade counter and a raw OTel counter each warn once', async () => {
    const warnings: string[] = [];
    const record = (message: string): void => void (message.startsWith('promkit:') && warnings.push(message));
    diag.setLogger({ error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      t = createTestMetrics({ cardinalityLimit: 4 });
      const counter = t.metrics.counter({ name: 'churn.requests', description: 'Requests.', labels: ['method', 'user'] });
      const raw = t.meterProvider.getMeter('raw').createCounter('churn.raw');
      for (let i = 0; i < 10; i++) {
        counter.add(1, { method: i % 2 === 0 ? 'GET' : 'POST', user: `u${i}` });
        raw.add(1, { method: 'GET', user: `u${i}` });
      }
      await t.collect();
      await t.collect();
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('"churn.requests" (cardinality_limit)');
      expect(warnings[0]).toContain('label "user" has the most distinct values (3)');
      expect(warnings[1]).toContain('"churn.raw" (cardinality_limit)');
      expect(warnings[1]).toContain('label "user" has the most distinct values (3)');
    } finally {
      diag.disable();
    }
  });
});

describe('one label value, one series', () => {
  test("1 and '1', true and 'true' write the same series, which keeps the first spelling", async () => {
    t = createTestMetrics();
    const counter = t.metrics.counter({ name: 'spelling.requests', description: 'Requests.', labels: ['code', 'ok'] });
    counter.add(1, { code: 200, ok: true });
    counter.add(2, { code: '200', ok: 'true' });
    counter.add(4, { ok: true, code: 200 });
    counter.bind({ code: '200', ok: true }).add(8);
    const lines = (await t.scrapeText()).split('\n').filter((line) => line.startsWith('spelling_requests_total'));
    expect(lines).toEqual(['spelling_requests_total{code="200",ok="true"} 15']);
  });

  test('a value past 256 characters is cut, and its cut spelling is the same series', async () => {
    t = createTestMetrics();
    const histogram = t.metrics.histogram({ name: 'spelling.sizes', description: 'Sizes.', labels: ['path'], buckets: [10] });
    const long = 'p'.repeat(300);
    histogram.record(1, { path: long });
    histogram.record(20, { path: `${long}x` });
    histogram.record(3, { path: 'p'.repeat(256) });
    const snapshot = await t.getHistogram('spelling.sizes', { path: 'p'.repeat(256) });
    expect(snapshot?.count).toBe(3);
    expect(snapshot?.sum).toBe(24);
  });

  test('a missing label and an empty one are different series; an undeclared key or a bad value is dropped and counted as before', async () => {
    t = createTestMetrics();
    const counter = t.metrics.counter({ name: 'spelling.jobs', description: 'Jobs.', labels: ['queue', 'kind'] });
    counter.add(1, { queue: 'a' });
    counter.add(1, { queue: 'a', kind: '' });
    counter.add(1, { queue: 'a', other: 'x' } as never);
    counter.add(1, { queue: undefined } as never);
    counter.add(1, 'queue' as never);
    expect(await t.getValue('spelling.jobs', { queue: 'a' })).toBe(1);
    expect(await t.getValue('spelling.jobs', { queue: 'a', kind: '' })).toBe(1);
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'spelling.jobs', 'promkit.reason': 'unknown_label' })).toBe(1);
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': 'spelling.jobs', 'promkit.reason': 'invalid_label_value' })).toBe(2);
  });
});
