import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false } as const;

/** The runtime series every scrape carries (the delay gauges need one loop sample, see below). */
const ALWAYS = [
  'process_cpu_time_seconds_total',
  'process_cpu_utilization_ratio',
  'process_memory_usage_bytes',
  'process_uptime_seconds',
  'process_start_time_seconds',
  'v8js_memory_heap_used_bytes',
  'v8js_memory_heap_limit_bytes',
  'v8js_memory_heap_space_available_size_bytes',
  'v8js_memory_heap_space_physical_size_bytes',
  'v8js_memory_external_bytes',
  'v8js_resource_active',
  'nodejs_eventloop_time_seconds_total',
  'nodejs_eventloop_utilization_ratio',
];
const DELAY = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs_eventloop_delay_${s}_seconds`);

async function samples(): Promise<Sample[]> {
  return parsePrometheusText(await handle!.scrape()).samples;
}

function value(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** One turn of the event loop; its timers phase lets the delay monitor take an overdue sample. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/**
 * The delay monitor's first tick in an interval only sets its reference time, so the loop is
 * first blocked past one resolution (10 ms) to get that tick, then blocked for `ms`; `ms` must
 * exceed the resolution too, or the next tick is not due yet and the interval has no sample.
 */
async function blockLoop(ms: number): Promise<void> {
  await turns(3); // let the previous scrape's resume (a setImmediate) start the new interval
  busy(25);
  await turns(3);
  busy(ms);
  await turns(3);
}

describe('runtime metrics', () => {
  test('are on by default, under the catalogue names, with the Node version on target_info', async () => {
    handle = await start(LOCAL);
    await blockLoop(20);
    const all = await samples();
    const names = new Set(all.map((s) => s.name));
    for (const name of [...ALWAYS, ...DELAY]) expect(names, name).toContain(name);
    expect(all.find((s) => s.name === 'target_info')?.labels).toMatchObject({
      process_runtime_name: 'nodejs',
      process_runtime_version: process.versions.node,
    });
    expect(value(all, 'v8js_memory_heap_used_bytes', { v8js_heap_space_name: 'old_space' })).toBeGreaterThan(0);
    expect(value(all, 'process_start_time_seconds')).toBeCloseTo(performance.timeOrigin / 1000, 6);
    expect(value(all, 'process_cpu_time_seconds_total', { cpu_mode: 'user' })).toBeGreaterThan(0);
  });

  test('are off with runtimeMetrics: false', async () => {
    handle = await start({ ...LOCAL, runtimeMetrics: false });
    const all = await samples();
    const runtime = all.filter((s) => /^(process|v8js|nodejs)_/.test(s.name));
    expect(runtime).toEqual([]);
    expect(all.find((s) => s.name === 'target_info')?.labels['process_runtime_version']).toBeUndefined();
  });

  test('CPU time rises with work done between scrapes', async () => {
    handle = await start(LOCAL);
    const before = value(await samples(), 'process_cpu_time_seconds_total', { cpu_mode: 'user' })!;
    // Spin until the process has used 50 ms more user CPU (wall time would flake on a busy box).
    const cpuAtStart = process.cpuUsage().user;
    while (process.cpuUsage().user - cpuAtStart < 50_000);
    const after = value(await samples(), 'process_cpu_time_seconds_total', { cpu_mode: 'user' })!;
    expect(after - before).toBeGreaterThanOrEqual(0.05);
  });

  test('a forced major GC shows up in v8js_gc_duration_seconds_count{v8js_gc_type="major"}', async () => {
    handle = await start(LOCAL);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const majors = (all: Sample[]) => value(all, 'v8js_gc_duration_seconds_count', { v8js_gc_type: 'major' }) ?? 0;
    const before = majors(await samples());
    gc();
    // GC entries reach observers asynchronously; a few loop turns deliver them (no sleeping).
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await turn();
      after = majors(await samples());
    }
    expect(after).toBeGreaterThanOrEqual(before + 1);
  });

  test('the event-loop delay max rises when the loop is blocked between scrapes', async () => {
    handle = await start(LOCAL);
    await samples();
    await blockLoop(12);
    await samples();
    await blockLoop(120);
    const blocked = value(await samples(), 'nodejs_eventloop_delay_max_seconds')!;
    expect(blocked).toBeGreaterThanOrEqual(0.1);
    // Per interval, not since start: the next interval forgets the block. A max kept since start
    // would report this very value again; comparing with a threshold would flake on a busy box.
    await blockLoop(12);
    expect(value(await samples(), 'nodejs_eventloop_delay_max_seconds')!).not.toBe(blocked);
  });

  test("the scrape's own blocking is never reported as event-loop delay", async () => {
    handle = await start(LOCAL);
    // A slow asynchronous observable callback: the collection spans several loop turns and
    // blocks for 150 ms in the middle, long after the runtime callback has read the interval.
    const scrapeBlockMs = 150;
    handle.meterProvider!.getMeter('slow').createObservableGauge('test.slow').addCallback(async (result) => {
      await blockLoop(scrapeBlockMs);
      result.observe(1);
    });
    await samples();
    await blockLoop(12);
    const max = value(await samples(), 'nodejs_eventloop_delay_max_seconds')!;
    // prom-client would report the previous scrape's 150 ms here: at least the injected block.
    expect(max).toBeLessThan(scrapeBlockMs / 1000);
  });
});
