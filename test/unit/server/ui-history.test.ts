/**
 * The `/metrics/ui` page's server-side history: one point per step from collections, a ring of
 * fixed size per series, a cap on columns that keeps the page's own metrics first, series freed
 * once absent for a whole ring, a timer that collects only when nothing else did and stops, and
 * the `/metrics/ui/history` route.
 */
import { request as httpRequest } from 'node:http';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { UiHistory } from '../../../src/server/ui/history.js';
import { metrics } from '../../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../../src/start.js';

type Point = { readonly attributes: Record<string, string>; readonly value: unknown };
type Metric = { readonly name: string; readonly type: 'counter' | 'gauge' | 'histogram'; readonly unit?: string; readonly points: readonly Point[] };

/** A collection as the SDK hands it over, with only what the history reads. */
function collection(...list: Metric[]): ResourceMetrics {
  return {
    resource: { attributes: {} },
    scopeMetrics: [
      {
        scope: { name: 'test' },
        metrics: list.map((m) => ({
          descriptor: { name: m.name, unit: m.unit ?? '', description: '' },
          dataPointType: m.type === 'histogram' ? DataPointType.HISTOGRAM : m.type === 'counter' ? DataPointType.SUM : DataPointType.GAUGE,
          isMonotonic: m.type === 'counter',
          dataPoints: m.points.map((p) => ({ attributes: p.attributes, startTime: [0, 0], endTime: [0, 0], value: p.value })),
        })),
      },
    ],
  } as unknown as ResourceMetrics;
}

const web = { channel: 'web' };
const app = { channel: 'app' };
const counter = (value: number, attributes = web): Metric => ({ name: 'orders.placed', type: 'counter', points: [{ attributes, value }] });
const histogram = (counts: number[], sum: number): Metric => ({
  name: 'http.server.request.duration',
  type: 'histogram',
  unit: 's',
  points: [{ attributes: { 'http.route': '/fast' }, value: { buckets: { boundaries: [0.01, 0.1], counts }, count: counts.reduce((a, b) => a + b, 0), sum, min: 0, max: 0 } }],
});

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('UiHistory', () => {
  test('keeps one point per step: a collection sooner than 90% of a step after the last point is not kept', () => {
    const time = clock();
    const history = new UiHistory({ now: time.now });
    expect(history.offer(collection(counter(1)))).toBe(true);
    time.advance(2000);
    expect(history.offer(collection(counter(2)))).toBe(false);
    time.advance(2500);
    expect(history.offer(collection(counter(3)))).toBe(true);
    const json = history.toJson(new Set(['orders.placed']));
    expect(json.times).toEqual([1_000_000, 1_004_500]);
    expect(json.metrics).toEqual([{ name: 'orders.placed', kind: 'counter', unit: '', series: [{ labels: { channel: 'web' }, values: [1, 3] }] }]);
  });

  test('takes a point at once when the wall clock was set back', () => {
    const time = clock();
    const history = new UiHistory({ now: time.now });
    history.offer(collection(counter(1)));
    time.advance(-60_000);
    expect(history.offer(collection(counter(2)))).toBe(true);
  });

  test('a histogram keeps its count, its sum and its cumulative counts per finite bound; an absent series is null', () => {
    const time = clock();
    const history = new UiHistory({ now: time.now });
    history.offer(collection(histogram([2, 1, 0], 0.05)));
    time.advance(5000);
    history.offer(collection(counter(1)));
    time.advance(5000);
    history.offer(collection(histogram([5, 3, 1], 1.5)));
    const [metric] = history.toJson(new Set(['http.server.request.duration'])).metrics;
    expect(metric).toEqual({
      name: 'http.server.request.duration',
      kind: 'histogram',
      unit: 's',
      series: [{ labels: { http_route: '/fast' }, le: [0.01, 0.1], count: [3, null, 9], sum: [0.05, null, 1.5], buckets: [[2, null, 5], [3, null, 8]] }],
    });
  });

  test('is a ring: past its capacity the oldest points go, and times stay oldest first', () => {
    const time = clock(0);
    const history = new UiHistory({ now: time.now, capacity: 3 });
    for (let i = 1; i <= 5; i++) {
      history.offer(collection(counter(i)));
      time.advance(5000);
    }
    const json = history.toJson(new Set(['orders.placed']));
    expect(json.times).toEqual([10_000, 15_000, 20_000]);
    expect(json.metrics[0]?.series[0]?.values).toEqual([3, 4, 5]);
  });

  test('names every metric kept, and sends points only for the metrics asked for', () => {
    const history = new UiHistory({ now: clock().now });
    history.offer(collection(counter(1), histogram([1, 0, 0], 0.001)));
    const json = history.toJson();
    expect(json.names).toEqual([
      { name: 'http.server.request.duration', kind: 'histogram', unit: 's' },
      { name: 'orders.placed', kind: 'counter', unit: '' },
    ]);
    expect(json.metrics).toEqual([]);
  });

  test('names every metric of the collection it is given, one created since the last point included', () => {
    const history = new UiHistory({ now: clock().now });
    history.offer(collection(counter(1)));
    const late: Metric = { name: 'jobs.late', type: 'gauge', unit: 's', points: [{ attributes: {}, value: 2 }] };
    expect(history.toJson(new Set(), collection(counter(1), late)).names).toEqual([
      { name: 'jobs.late', kind: 'gauge', unit: 's' },
      { name: 'orders.placed', kind: 'counter', unit: '' },
    ]);
  });

  test('never passes its column cap, keeps the page metrics first, and counts the series it refused', () => {
    // The histogram takes 4 columns (count, sum, two bounds); with a cap of 5 one counter fits beside it.
    const history = new UiHistory({ now: clock().now, capacity: 10, maxColumns: 5, priority: ['http.server.request.duration'] });
    history.offer(collection(counter(1, web), counter(2, app), histogram([1, 0, 0], 0.001)));
    const json = history.toJson(new Set(['orders.placed', 'http.server.request.duration']));
    expect(json.metrics.map((m) => [m.name, m.series.length])).toEqual([
      ['http.server.request.duration', 1],
      ['orders.placed', 1],
    ]);
    expect(json.untrackedSeries).toBe(1);
    expect(json.bytes).toBe((5 + 1) * 10 * 8);
    expect(json.maxBytes).toBe((5 + 1) * 10 * 8);
  });

  test('frees the columns of a series absent for a whole ring, for a new one to use', () => {
    const time = clock();
    const history = new UiHistory({ now: time.now, capacity: 2, maxColumns: 1 });
    history.offer(collection(counter(1, web)));
    time.advance(5000);
    history.offer(collection(counter(1, app)));
    expect(history.toJson(new Set(['orders.placed'])).untrackedSeries).toBe(1);
    time.advance(5000);
    history.offer(collection(counter(2, app)));
    time.advance(5000);
    history.offer(collection(counter(3, app)));
    expect(history.toJson(new Set(['orders.placed'])).metrics[0]?.series).toEqual([{ labels: { channel: 'app' }, values: [2, 3] }]);
  });

  test('its timer collects every step only when no other collection fed a point, and stop() ends it', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const history = new UiHistory();
      let collections = 0;
      history.start(async () => {
        collections++;
        history.offer(collection(counter(collections)));
      });
      await vi.advanceTimersByTimeAsync(5000);
      expect(collections).toBe(1);
      // A scrape 0.4 s before the next tick fed a point: that tick collects nothing.
      await vi.advanceTimersByTimeAsync(4600);
      expect(history.offer(collection(counter(10)))).toBe(true);
      await vi.advanceTimersByTimeAsync(400);
      expect(collections).toBe(1);
      await vi.advanceTimersByTimeAsync(5000);
      expect(collections).toBe(2);
      history.stop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(collections).toBe(2);
      expect(history.toJson(new Set(['orders.placed'])).metrics[0]?.series[0]?.values).toEqual([1, 10, 2]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('/metrics/ui/history', () => {
  let handle: PromkitHandle | undefined;
  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
  });

  const get = (port: number, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });

  test('serves the points of the metrics named, the user metric included, from the collection that answers it', async () => {
    handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false, quiet: true });
    metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['channel'] }).add(3, { channel: 'web' });
    const answer = await get(handle.port!, '/metrics/ui/history?name=orders.placed');
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.body) as { names: Array<{ name: string }>; times: number[]; metrics: unknown[] };
    expect(json.names.map((n) => n.name)).toContain('orders.placed');
    expect(json.times).toHaveLength(1);
    expect(json.metrics).toEqual([{ name: 'orders.placed', kind: 'counter', unit: '', series: [{ labels: { channel: 'web' }, values: [3] }] }]);
  });

  test('is not served with ui: false', async () => {
    handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false, quiet: true, ui: false });
    expect((await get(handle.port!, '/metrics/ui/history')).status).toBe(404);
  });
});
