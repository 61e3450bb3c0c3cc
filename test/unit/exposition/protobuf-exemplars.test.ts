import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeProtobuf } from '../../../src/exposition/protobuf.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews } from '../../../src/otel/views.js';
import { ExemplarStore } from '../../../src/record/exemplars.js';
import { decodeDelimited, labelsOf, num, sub, text, type Message } from '../../helpers/protobuf-decode.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_IDS = ['00f067aa0ba902b1', '00f067aa0ba902b2', '00f067aa0ba902b3', '00f067aa0ba902b4'];
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

function inSpan(spanId: string, fn: () => void): void {
  const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId, traceFlags: TraceFlags.SAMPLED });
  context.with(trace.setSpan(context.active(), span), fn);
}

function setup() {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader], views: catalogueViews(), resource: resourceFromAttributes({ 'service.name': 'shop' }) });
  const exemplars = new ExemplarStore();
  const metrics = createMetrics({ meterProvider: provider, exemplars });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { metrics, exemplars, collect };
}

function histogramOf(bytes: Buffer, name: string): Message {
  const family = decodeDelimited(bytes).find((f) => text(f.get(1)?.[0]) === name);
  return sub(sub(family?.get(4)?.[0]).get(7)?.[0]);
}

/** An Exemplar message as [span_id, value]. */
const exemplarOf = (message: Message) => [labelsOf(message)['span_id'], num(message.get(2)?.[0])];

describe('exemplars in the protobuf exposition', () => {
  test('every bucket keeps its exemplar, the +Inf bucket\'s included (written out for it)', async () => {
    const { metrics, exemplars, collect } = setup();
    const duration = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1, 10] });
    [0.05, 0.5, 5, 50].forEach((value, i) => inSpan(SPAN_IDS[i]!, () => duration.record(value)));
    const h = histogramOf(encodeProtobuf(await collect(), { exemplars }), 'job_duration_seconds');
    const buckets = (h.get(3) ?? []).map(sub);
    expect(buckets.map((b) => [num(b.get(2)?.[0]), num(b.get(1)?.[0])])).toEqual([
      [0.1, 1],
      [1, 2],
      [10, 3],
      [Infinity, 4],
    ]);
    expect(buckets.map((b) => exemplarOf(sub(b.get(3)?.[0])))).toEqual([
      [SPAN_IDS[0], 0.05],
      [SPAN_IDS[1], 0.5],
      [SPAN_IDS[2], 5],
      [SPAN_IDS[3], 50],
    ]);
    expect(num(h.get(1)?.[0])).toBe(4);
  });

  test('without an exemplar above the last boundary the +Inf bucket stays implied', async () => {
    const { metrics, exemplars, collect } = setup();
    const duration = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] });
    inSpan(SPAN_IDS[0]!, () => duration.record(0.05));
    duration.record(50);
    const h = histogramOf(encodeProtobuf(await collect(), { exemplars }), 'job_duration_seconds');
    expect((h.get(3) ?? []).map((b) => num(sub(b).get(2)?.[0]))).toEqual([0.1, 1]);
  });

  test('a native-only histogram carries its exemplars in Histogram.exemplars', async () => {
    const { metrics, exemplars, collect } = setup();
    const duration = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', native: true });
    inSpan(SPAN_IDS[0]!, () => duration.record(0.25));
    const h = histogramOf(encodeProtobuf(await collect(), { exemplars }), 'job_duration_seconds');
    expect(h.get(3)).toBeUndefined();
    expect((h.get(16) ?? []).map((e) => exemplarOf(sub(e)))).toEqual([[SPAN_IDS[0], 0.25]]);
    // Each carries its timestamp, as the format requires of native-histogram exemplars.
    expect(sub(h.get(16)?.[0]).get(3)).toHaveLength(1);
  });
});
