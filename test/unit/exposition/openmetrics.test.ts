import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serialize } from '../../../src/exposition/serializer.js';
import { captureExemplar, ExemplarStore } from '../../../src/record/exemplars.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews } from '../../../src/otel/views.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';
import { promtoolCheckMetrics } from '../../helpers/promtool.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

function inSpan<T>(traceFlags: number, fn: () => T): T {
  const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags });
  return context.with(trace.setSpan(context.active(), span), fn);
}

function setup() {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader], views: catalogueViews(), resource: resourceFromAttributes({ 'service.name': 'shop' }) });
  const exemplars = new ExemplarStore();
  const metrics = createMetrics({ meterProvider: provider, exemplars });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { metrics, exemplars, collect };
}

/** The exemplar suffix, with the timestamp (wall clock) replaced. */
const stable = (text: string) => text.replace(/(# \{[^}]*\} [0-9.e+-]+) [0-9.]+$/gm, '$1 <ts>').replace(/_created(\{[^}]*\})? [0-9.e+]+$/gm, '_created$1 <created>');

describe('OpenMetrics 1.0 text', () => {
  test('counter families drop _total, carry _created and # UNIT; the body ends with # EOF', async () => {
    const { metrics, collect } = setup();
    metrics.counter({ name: 'work.time', description: 'Time spent working.', unit: 's', labels: ['queue'] }).add(1.5, { queue: 'a' });
    metrics.gauge({ name: 'queue.depth', description: 'Items waiting.' }).set(3);
    const text = serialize(await collect(), { format: 'openmetrics', targetInfo: false });
    expect(stable(text)).toBe(
      [
        '# HELP work_time_seconds Time spent working.',
        '# TYPE work_time_seconds counter',
        '# UNIT work_time_seconds seconds',
        'work_time_seconds_total{queue="a"} 1.5',
        'work_time_seconds_created{queue="a"} <created>',
        '# HELP queue_depth Items waiting.',
        '# TYPE queue_depth gauge',
        'queue_depth 3',
        '# EOF',
        '',
      ].join('\n'),
    );
    // _created is the series' start time in seconds: at most a few seconds ago.
    const created = Number(/work_time_seconds_created\{queue="a"\} (\S+)/.exec(text)?.[1]);
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(60);
  });

  test('histograms write buckets, _count, _sum and _created; target_info is an info family', async () => {
    const { metrics, collect } = setup();
    metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] }).record(0.5);
    const text = serialize(await collect(), { format: 'openmetrics' });
    expect(stable(text)).toContain(
      [
        '# HELP job_duration_seconds Job duration.',
        '# TYPE job_duration_seconds histogram',
        '# UNIT job_duration_seconds seconds',
        'job_duration_seconds_bucket{le="0.1"} 0',
        'job_duration_seconds_bucket{le="1"} 1',
        'job_duration_seconds_bucket{le="+Inf"} 1',
        'job_duration_seconds_count 1',
        'job_duration_seconds_sum 0.5',
        'job_duration_seconds_created <created>',
      ].join('\n'),
    );
    expect(text.startsWith('# HELP target Target metadata\n# TYPE target info\ntarget_info{')).toBe(true);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  test('the 0.0.4 text of the same collection is unchanged and passes promtool', async () => {
    const { metrics, collect } = setup();
    metrics.counter({ name: 'work.time', description: 'Time spent working.', unit: 's' }).add(2);
    metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] }).record(0.5);
    const text = serialize(await collect());
    expect(text).not.toMatch(/_created|# UNIT|# EOF/);
    expect(parsePrometheusText(text).samples.find((s) => s.name === 'work_time_seconds_total')?.value).toBe(2);
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
  });
});

describe('exemplars', () => {
  test('a counter and the histogram bucket a value falls in carry the sampled span, in OpenMetrics only', async () => {
    const { metrics, exemplars, collect } = setup();
    const orders = metrics.counter({ name: 'orders.placed', description: 'Orders placed.' });
    const duration = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] });
    inSpan(TraceFlags.SAMPLED, () => {
      orders.add(2);
      duration.record(0.5);
    });
    const resourceMetrics = await collect();
    const openMetrics = stable(serialize(resourceMetrics, { format: 'openmetrics', targetInfo: false, exemplars }));
    const exemplar = (value: string) => `# {trace_id="${TRACE_ID}",span_id="${SPAN_ID}"} ${value} <ts>`;
    expect(openMetrics).toContain(`orders_placed_total 2 ${exemplar('2')}\n`);
    expect(openMetrics).toContain('job_duration_seconds_bucket{le="0.1"} 0\n');
    expect(openMetrics).toContain(`job_duration_seconds_bucket{le="1"} 1 ${exemplar('0.5')}\n`);
    expect(openMetrics).toContain('job_duration_seconds_bucket{le="+Inf"} 1\n');
    // Within the 128-character limit on an exemplar's labels.
    expect('trace_id'.length + TRACE_ID.length + 'span_id'.length + SPAN_ID.length).toBeLessThanOrEqual(128);
    expect(serialize(resourceMetrics, { exemplars })).not.toContain('trace_id');
  });

  test('bound counters and bound histograms capture exemplars too', async () => {
    const { metrics, exemplars, collect } = setup();
    const orders = metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['shop'] }).bind({ shop: 'x' });
    const duration = metrics.histogram({ name: 'job.duration', description: 'Job duration.', unit: 's', buckets: [0.1, 1] }).bind({});
    inSpan(TraceFlags.SAMPLED, () => {
      orders.add(1);
      duration.record(0.05);
    });
    const text = stable(serialize(await collect(), { format: 'openmetrics', targetInfo: false, exemplars }));
    expect(text).toContain(`orders_placed_total{shop="x"} 1 # {trace_id="${TRACE_ID}",span_id="${SPAN_ID}"} 1 <ts>\n`);
    expect(text).toContain(`job_duration_seconds_bucket{le="0.1"} 1 # {trace_id="${TRACE_ID}",span_id="${SPAN_ID}"} 0.05 <ts>\n`);
  });

  test('nothing is kept outside a span or in an unsampled one', () => {
    const store = new ExemplarStore();
    const target = store.instrument('orders.placed', undefined, 10);
    captureExemplar(target, {}, 1);
    inSpan(TraceFlags.NONE, () => captureExemplar(target, {}, 1));
    expect(store.of('orders.placed', {})).toBeUndefined();
    inSpan(TraceFlags.SAMPLED, () => captureExemplar(target, {}, 3));
    expect(store.of('orders.placed', {})).toEqual([{ value: 3, traceId: TRACE_ID, spanId: SPAN_ID, timestampMs: expect.any(Number) }]);
  });
});
