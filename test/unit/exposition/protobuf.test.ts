import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, test } from 'vitest';
import { encodeProtobuf, MAX_SCHEMA, sparseBuckets, ZERO_THRESHOLD } from '../../../src/exposition/protobuf.js';
import { ProtobufWriter } from '../../../src/exposition/protobuf-writer.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews } from '../../../src/otel/views.js';
import { readHistogram } from '../../../src/testing/read.js';
import { decodeDelimited, decodeMessage, labelsOf, num, packedSints, sub, text, unzigzag, type Message } from '../../helpers/protobuf-decode.js';

function setup() {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader], views: catalogueViews(), resource: resourceFromAttributes({ 'service.name': 'shop' }) });
  const metrics = createMetrics({ meterProvider: provider });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { metrics, collect };
}

function family(families: Message[], name: string): Message {
  const found = families.find((f) => text(f.get(1)?.[0]) === name);
  if (found === undefined) throw new Error(`no family ${name} in ${families.map((f) => text(f.get(1)?.[0])).join(', ')}`);
  return found;
}

describe('protobuf wire primitives', () => {
  test('varints, zigzag, doubles, strings and nested lengths decode back', () => {
    const writer = new ProtobufWriter();
    writer.int64(1, 300);
    writer.sint64(2, -3);
    writer.double(3, 0.25);
    writer.string(4, 'héllo');
    const nested = writer.begin(5);
    writer.string(1, 'x'.repeat(200)); // a nested length above 127 needs a two-byte varint
    writer.end(nested);
    writer.int64(6, 2 ** 40);
    const message = decodeMessage(writer.take());
    expect(num(message.get(1)?.[0])).toBe(300);
    expect(num(message.get(2)?.[0])).toBe(5); // zigzag(-3)
    expect(num(message.get(3)?.[0])).toBe(0.25);
    expect(text(message.get(4)?.[0])).toBe('héllo');
    expect(text(sub(message.get(5)?.[0]).get(1)?.[0])).toBe('x'.repeat(200));
    expect(num(message.get(6)?.[0])).toBe(2 ** 40);
  });
});

describe('native buckets as spans and deltas', () => {
  test('OTel index i is Prometheus index i + 1; gaps of more than two start a new span', () => {
    // OTel buckets -1 and 3 (counts 1 and 2): Prometheus indices 0 and 4, three empty buckets apart.
    expect(sparseBuckets(-1, [1, 0, 0, 0, 2], 0, 0)).toEqual({ spans: [{ offset: 0, length: 1 }, { offset: 3, length: 1 }], deltas: [1, 1] });
    // One empty bucket between: filled, in one span; deltas are differences to the previous count.
    expect(sparseBuckets(0, [1, 0, 2], 0, 0)).toEqual({ spans: [{ offset: 1, length: 3 }], deltas: [1, -1, 2] });
  });

  test('a scale above the schema merges 2^(scale - schema) neighbours', () => {
    // Scale 10 to schema 8: OTel indices 4..7 merge into 1, 8 into 2; then +1.
    expect(sparseBuckets(4, [1, 1, 1, 1, 5], 10, MAX_SCHEMA)).toEqual({ spans: [{ offset: 2, length: 2 }], deltas: [4, 1] });
    // Negative indices round down: -1 and -4 at scale 2 → schema 0 are both bucket -1, i.e. Prometheus 0.
    expect(sparseBuckets(-4, [1, 0, 0, 1], 2, 0)).toEqual({ spans: [{ offset: 0, length: 1 }], deltas: [2] });
  });
});

describe('MetricFamily messages', () => {
  test('counters (with _total), gauges and target_info, delimited', async () => {
    const { metrics, collect } = setup();
    metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['shop'] }).add(3, { shop: 'x' });
    metrics.gauge({ name: 'queue.depth', description: 'Items waiting.' }).set(7);
    const families = decodeDelimited(encodeProtobuf(await collect()));
    const target = family(families, 'target_info');
    expect(labelsOf(sub(target.get(4)?.[0]))).toMatchObject({ service_name: 'shop' });
    const orders = family(families, 'orders_placed_total');
    expect(text(orders.get(2)?.[0])).toBe('Orders placed.');
    expect(num(orders.get(3)?.[0])).toBe(0); // COUNTER
    const metric = sub(orders.get(4)?.[0]);
    expect(labelsOf(metric)).toEqual({ shop: 'x' });
    const counter = sub(metric.get(3)?.[0]);
    expect(num(counter.get(1)?.[0])).toBe(3);
    expect(counter.get(3)).toHaveLength(1); // created_timestamp
    const depth = family(families, 'queue_depth');
    expect(num(depth.get(3)?.[0])).toBe(1); // GAUGE
    expect(num(sub(sub(depth.get(4)?.[0]).get(2)?.[0]).get(1)?.[0])).toBe(7);
  });

  test('a native histogram with classic buckets is one series carrying both', async () => {
    const { metrics, collect } = setup();
    const histogram = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [1, 2], native: true });
    for (const value of [0, 1, 1.5, 3]) histogram.record(value, {});
    const resourceMetrics = await collect();
    const families = decodeDelimited(encodeProtobuf(resourceMetrics));
    const job = family(families, 'job_duration_seconds');
    expect(num(job.get(3)?.[0])).toBe(4); // HISTOGRAM
    expect(text(job.get(5)?.[0])).toBe('seconds'); // unit
    expect(job.get(4)).toHaveLength(1);
    const h = sub(sub(job.get(4)?.[0]).get(7)?.[0]);
    expect(num(h.get(1)?.[0])).toBe(4); // sample_count
    expect(num(h.get(2)?.[0])).toBe(5.5); // sample_sum
    const buckets = (h.get(3) ?? []).map(sub).map((b) => [num(b.get(2)?.[0]), num(b.get(1)?.[0])]);
    expect(buckets).toEqual([
      [1, 2],
      [2, 3],
    ]);
    const schema = unzigzag(num(h.get(5)?.[0]) ?? NaN); // sint32
    expect(schema).toBeLessThanOrEqual(MAX_SCHEMA);
    expect(schema).toBeGreaterThan(0);
    expect(num(h.get(6)?.[0])).toBe(ZERO_THRESHOLD);
    expect(num(h.get(7)?.[0])).toBe(1); // the 0 went to the zero bucket
    // Positive buckets: 1, 1.5 and 3 each in their own bucket; their total is 3.
    const deltas = packedSints(h.get(13)?.[0]);
    let running = 0;
    const counts = deltas.map((d) => (running += d));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    // The bucket of 1 has upper bound exactly 1: Prometheus index 0 at any schema.
    const firstSpan = sub(h.get(12)?.[0]);
    expect(unzigzag(num(firstSpan.get(1)?.[0]) ?? NaN)).toBe(0);
    // The classic stream is what getHistogram reads.
    expect(readHistogram(resourceMetrics, 'job.duration')?.buckets).toEqual([
      { le: 1, count: 2 },
      { le: 2, count: 3 },
      { le: Infinity, count: 4 },
    ]);
  });
});
