import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import { promClientRuntimeNames } from '../../../src/runtime/prom-client-names.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText, type ParsedExposition } from '../../helpers/parse-prometheus.js';

const require = createRequire(import.meta.url);

let handle: PromkitHandle | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false } as const;

/** Name → type and declared label keys, as a prom-client-compatible library registers them. */
type Shape = Map<string, { type: string; labels: string[] }>;

interface ClientModule {
  Registry: new () => { getMetricsAsArray(): Array<{ name: string; type: string; labelNames: string[] }> };
  collectDefaultMetrics(options: { register: unknown }): void;
}

/** The default metrics `module` registers on a fresh registry of its own, in this process. */
function referenceShape(module: string): Shape {
  const client = require(module) as ClientModule;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const shape: Shape = new Map();
  for (const metric of registry.getMetricsAsArray()) {
    shape.set(metric.name, { type: metric.type, labels: [...metric.labelNames].sort() });
  }
  return shape;
}

/** Name → type and the label keys seen on its series (without `le`), from a scrape. */
function scrapedShape(exposition: ParsedExposition, names: ReadonlySet<string>): Shape {
  const shape: Shape = new Map();
  for (const [name, info] of exposition.families) {
    if (names.has(name)) shape.set(name, { type: info.type ?? '', labels: [] });
  }
  for (const sample of exposition.samples) {
    const family = sample.name.replace(/_(bucket|sum|count)$/, '');
    const entry = shape.get(shape.has(sample.name) ? sample.name : family);
    if (entry === undefined) continue;
    for (const key of Object.keys(sample.labels)) if (key !== 'le' && !entry.labels.includes(key)) entry.labels.push(key);
    entry.labels.sort();
  }
  return shape;
}

/** A loopback write the peer never reads: a `WriteWrap` stays an active libuv request meanwhile. */
async function pendingWrite(): Promise<void> {
  const peers: Socket[] = [];
  const server: Server = createServer((socket) => {
    socket.pause();
    peers.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  client.write(Buffer.alloc(64 * 1024 * 1024));
  cleanups.push(() => {
    client.destroy();
    for (const peer of peers) peer.destroy();
    server.close();
  });
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Samples for every series: a GC (for `kind`), a blocked loop (for the lag gauges), a pending request. */
async function exerciseRuntime(): Promise<void> {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  await pendingWrite();
  for (let i = 0; i < 3; i++) await turn();
  const end = performance.now() + 25;
  while (performance.now() < end);
  for (let i = 0; i < 3; i++) await turn();
}

/**
 * `@prometheus-io/client` adds two event-loop utilisation metrics fed by a 100 ms interval timer;
 * promkit offers `nodejs_eventloop_utilization_ratio` under the OpenTelemetry names instead.
 * Listed so that any other new name in either library fails this test.
 */
const PROMETHEUS_IO_ONLY = ['nodejs_eventloop_utilization_summary', 'nodejs_eventloop_utilization_histogram'];

describe("runtime metrics under prom-client's names", () => {
  test('export every default metric of prom-client 15 with its name, type and label keys', async () => {
    const reference = referenceShape('prom-client');
    handle = await start({ ...LOCAL, runtimeMetrics: 'prom-client' });
    await exerciseRuntime();
    const scraped = scrapedShape(parsePrometheusText(await handle.scrape()), new Set(reference.keys()));
    expect(Object.fromEntries(scraped)).toEqual(Object.fromEntries(reference));
  });

  test('match the default metrics of @prometheus-io/client but for its two utilisation metrics', async () => {
    const reference = referenceShape('@prometheus-io/client');
    for (const name of PROMETHEUS_IO_ONLY) expect(reference.delete(name), name).toBe(true);
    handle = await start({ ...LOCAL, runtimeMetrics: 'prom-client' });
    await exerciseRuntime();
    const scraped = scrapedShape(parsePrometheusText(await handle.scrape()), new Set(reference.keys()));
    expect(Object.fromEntries(scraped)).toEqual(Object.fromEntries(reference));
  });

  test('the documented list of names is what prom-client registers on this platform', () => {
    expect(promClientRuntimeNames().sort()).toEqual([...referenceShape('prom-client').keys()].sort());
  });

  test("'prom-client' alone exports none of the OpenTelemetry runtime names; 'both' exports both sets", async () => {
    handle = await start({ ...LOCAL, runtimeMetrics: 'prom-client' });
    let families = parsePrometheusText(await handle.scrape()).families;
    expect(families.has('process_cpu_seconds_total')).toBe(true);
    expect([...families.keys()].filter((n) => /^(v8js_|nodejs_eventloop_delay|process_cpu_time)/.test(n))).toEqual([]);
    await handle.shutdown();

    handle = await start({ ...LOCAL, runtimeMetrics: 'both' });
    families = parsePrometheusText(await handle.scrape()).families;
    for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'process_cpu_time_seconds_total', 'v8js_memory_heap_used_bytes']) {
      expect(families.has(name), name).toBe(true);
    }
  });

  test('values: CPU total is user + system, the version info carries process.version, heap spaces use prom-client space names', async () => {
    handle = await start({ ...LOCAL, runtimeMetrics: 'prom-client' });
    const { samples } = parsePrometheusText(await handle.scrape());
    const value = (name: string) => samples.find((s) => s.name === name)?.value;
    expect(value('process_cpu_seconds_total')).toBeCloseTo(value('process_cpu_user_seconds_total')! + value('process_cpu_system_seconds_total')!, 9);
    const [major, minor, patch] = process.version.slice(1).split('.');
    expect(samples.find((s) => s.name === 'nodejs_version_info')).toEqual({
      name: 'nodejs_version_info',
      labels: { version: process.version, major, minor, patch },
      value: 1,
    });
    const spaces = samples.filter((s) => s.name === 'nodejs_heap_space_size_used_bytes').map((s) => s.labels['space']);
    expect(spaces).toContain('old');
    expect(spaces).toContain('new');
    expect(value('process_start_time_seconds')).toBeCloseTo(performance.timeOrigin / 1000, 6);
  });

  test('a handle type that is gone reads 0 instead of its last count', async () => {
    handle = await start({ ...LOCAL, runtimeMetrics: 'prom-client' });
    const timers = async () =>
      parsePrometheusText(await handle!.scrape()).samples.find((s) => s.name === 'nodejs_active_resources' && s.labels['type'] === 'Timeout')?.value;
    const timeout = setTimeout(() => undefined, 60_000);
    const withTimer = await timers();
    clearTimeout(timeout);
    expect(withTimer).toBeGreaterThanOrEqual(1);
    // vitest's own timers may still be active; only a count lower by our one timer is asserted.
    expect(await timers()).toBe(withTimer! - 1);
  });
});
