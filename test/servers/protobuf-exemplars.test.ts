/**
 * Every exemplar of a histogram reaches Prometheus through the protobuf exposition, the `+Inf`
 * bucket's included: Prometheus 2.42 with `--enable-feature=native-histograms` (which makes it ask
 * for protobuf) and `exemplar-storage` scrapes promkit in this process, which answers protobuf
 * because it holds a native histogram, and `query_exemplars` must return the four exemplars
 * recorded, one per bucket.
 */
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { metrics } from '../../src/facade/metrics.js';
import { start } from '../../src/start.js';
import { startPrometheus } from '../helpers/prometheus-server.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_IDS = ['00f067aa0ba902b1', '00f067aa0ba902b2', '00f067aa0ba902b3', '00f067aa0ba902b4'];
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  contextManager.disable();
  context.disable();
});

describe('exemplars over protobuf, scraped by Prometheus', () => {
  test('query_exemplars returns the exemplar of every bucket, +Inf included', async () => {
    const handle = await start({ port: 0, host: '127.0.0.1', serviceName: 'protobuf-exemplars', runtimeMetrics: false, instrumentHttp: false, instrumentFetch: false });
    const prometheus = await startPrometheus(
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:${handle.port}']\n`,
      { features: ['native-histograms', 'exemplar-storage'] },
    );
    try {
      const duration = metrics.histogram({ name: 'batch.duration', description: 'Batch duration.', unit: 's', buckets: [0.1, 1, 10] });
      // A native histogram in the collection makes promkit answer Prometheus's protobuf Accept with protobuf.
      metrics.histogram({ name: 'batch.size', description: 'Batch size.', unit: 'By', native: true }).record(512);
      [0.05, 0.5, 5, 50].forEach((value, i) => {
        const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_IDS[i]!, traceFlags: TraceFlags.SAMPLED });
        context.with(trace.setSpan(context.active(), span), () => duration.record(value));
      });
      const exemplars = async () => {
        const now = Date.now() / 1000;
        const query = encodeURIComponent('batch_duration_seconds_bucket{job="app"}');
        const answer = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?query=${query}&start=${now - 600}&end=${now + 60}`)).json()) as {
          data: Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string }> }>;
        };
        return answer.data
          .flatMap((series) => series.exemplars.map((e) => [series.seriesLabels['le'], e.labels['span_id'], Number(e.value)] as const))
          .sort((a, b) => a[2] - b[2]);
      };
      const nativeCount = async () => (await prometheus.query('histogram_count(batch_size_bytes{job="app"})'))[0]?.value;
      await expect.poll(nativeCount, { timeout: 40_000, interval: 500, message: prometheus.log() }).toBe(1);
      await expect.poll(async () => (await exemplars()).length, { timeout: 40_000, interval: 500, message: prometheus.log() }).toBe(4);
      // Prometheus writes `le` of a protobuf-scraped bucket in OpenMetrics form: `1.0`, not `1`.
      expect(await exemplars()).toEqual([
        ['0.1', SPAN_IDS[0], 0.05],
        ['1.0', SPAN_IDS[1], 0.5],
        ['10.0', SPAN_IDS[2], 5],
        ['+Inf', SPAN_IDS[3], 50],
      ]);
    } finally {
      await prometheus.stop();
      await handle.shutdown();
    }
  }, 90_000);
});
