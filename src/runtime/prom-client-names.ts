/**
 * Node.js runtime metrics under prom-client's default-metric names (prom-client 15's
 * `collectDefaultMetrics()`), so dashboards built on them keep working: same names, types, label
 * keys and units. The values come from the same sources as {@link startRuntimeMetrics} (one call
 * into `process`, `v8`, `/proc` or `perf_hooks` each), observed in one batch callback at
 * collection time; the event-loop statistics come from the shared, scrape-aware
 * {@link LoopMonitor}, and GC pauses from the same `gc` performance entries as `v8js.gc.duration`.
 *
 * Where promkit deliberately differs from prom-client (docs/migrating-from-prom-client.md):
 * - `process_cpu_*_seconds_total` count CPU time since the process started, not since
 *   `collectDefaultMetrics()` was called;
 * - the event-loop gauges describe the interval between two collections without the scrape's own
 *   work, with the 10 ms sampling period subtracted (an idle loop reads about 0, not 0.01);
 *   `nodejs_eventloop_lag_seconds` is that interval's mean delay rather than one `setImmediate`
 *   sample taken during the scrape;
 * - a handle, request or resource type that is gone reads 0: an OpenTelemetry cumulative stream
 *   cannot drop a series, and 0 is the true count.
 */
import type { Attributes, BatchObservableResult, Histogram, MeterProvider, Observable } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { LoopMonitor } from './event-loop.js';
import { observeGc } from './gc.js';

// Not an ES import of `node:fs`: its namespace reads the lazy `fs.promises` getter, which would
// load the promises API and web streams into every process at start-up.
const { readdirSync, readFileSync } = process.getBuiltinModule('node:fs');

/** The meter (instrumentation scope) the prom-client-named runtime metrics are recorded under. */
export const PROM_CLIENT_RUNTIME_METER_NAME = 'promkit.runtime.prom-client';

/** prom-client's GC duration buckets, in seconds. */
export const PROM_CLIENT_GC_BUCKETS: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 2, 5]);

/** The options of prom-client's `collectDefaultMetrics()` that change what is exported. */
export interface PromClientRuntimeOptions {
  /** Prepended to every name, as prom-client's `prefix`. */
  readonly prefix?: string;
  /** Static labels added to every series, as prom-client's `labels`. */
  readonly labels?: Readonly<Record<string, string | number>>;
  /** Buckets of `nodejs_gc_duration_seconds`, default {@link PROM_CLIENT_GC_BUCKETS}. */
  readonly gcDurationBuckets?: readonly number[];
}

/** The names this module exports on this platform, without prefix; tests compare them with prom-client's. */
export function promClientRuntimeNames(): string[] {
  const linux = process.platform === 'linux';
  return [
    'process_cpu_user_seconds_total',
    'process_cpu_system_seconds_total',
    'process_cpu_seconds_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    ...(linux ? ['process_virtual_memory_bytes', 'process_heap_bytes', 'process_open_fds'] : []),
    ...(maxFileDescriptors() !== undefined ? ['process_max_fds'] : []),
    ...['', '_min', '_max', '_mean', '_stddev', '_p50', '_p90', '_p99'].map((s) => `nodejs_eventloop_lag${s}_seconds`),
    'nodejs_active_resources',
    'nodejs_active_resources_total',
    'nodejs_active_handles',
    'nodejs_active_handles_total',
    'nodejs_active_requests',
    'nodejs_active_requests_total',
    'nodejs_heap_size_total_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_external_memory_bytes',
    'nodejs_heap_space_size_total_bytes',
    'nodejs_heap_space_size_used_bytes',
    'nodejs_heap_space_size_available_bytes',
    'nodejs_version_info',
    'nodejs_gc_duration_seconds',
  ];
}

/** `process._getActiveHandles()` / `_getActiveRequests()`: undocumented, what prom-client reads. */
type ActiveList = () => readonly unknown[];
const internals = process as unknown as { _getActiveHandles?: ActiveList; _getActiveRequests?: ActiveList };

/**
 * Registers the prom-client-named instruments on `meterProvider`, reading the event loop from
 * `loop` (owned by the caller). Returns the function that unregisters them and stops the GC observer.
 */
export function startPromClientRuntimeMetrics(
  meterProvider: MeterProvider,
  loop: LoopMonitor,
  options: PromClientRuntimeOptions = {},
  beside: { readonly otelRuntime?: boolean } = {},
): () => void {
  const meter = meterProvider.getMeter(PROM_CLIENT_RUNTIME_METER_NAME);
  const prefix = options.prefix ?? '';
  // promkit's own runtime set already exports `process.start_time` as process_start_time_seconds,
  // the same value under the same name: a second instrument of that name would be a collision
  // (one left out, with a warning), so beside that set this one leaves it to promkit's.
  const ownStartTime = !(beside.otelRuntime === true && prefix === '');
  const base: Attributes = Object.freeze({ ...options.labels });
  const withBase = (attributes: Attributes): Attributes => Object.freeze({ ...attributes, ...base });
  const observables: Observable[] = [];
  const define =
    (create: 'createObservableCounter' | 'createObservableGauge', unit?: string) =>
    (name: string, description: string): Observable => {
      const observable = meter[create](prefix + name, { description, ...(unit !== undefined && { unit }) });
      observables.push(observable);
      return observable;
    };
  const seconds = define('createObservableCounter', 's');
  const secondsGauge = define('createObservableGauge', 's');
  const bytes = define('createObservableGauge', 'By');
  const count = define('createObservableGauge');

  const linux = process.platform === 'linux';
  const cpuUser = seconds('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.');
  const cpuSystem = seconds('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.');
  const cpuTotal = seconds('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');
  const startTime = ownStartTime ? secondsGauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.') : undefined;
  const rss = bytes('process_resident_memory_bytes', 'Resident memory size in bytes.');
  const virtual = linux ? bytes('process_virtual_memory_bytes', 'Virtual memory size in bytes.') : undefined;
  const heap = linux ? bytes('process_heap_bytes', 'Process heap size in bytes.') : undefined;
  const openFds = linux ? count('process_open_fds', 'Number of open file descriptors.') : undefined;
  const maxFds = maxFileDescriptors();
  const maxFdsGauge = maxFds !== undefined ? count('process_max_fds', 'Maximum number of open file descriptors.') : undefined;
  const lag = secondsGauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.');
  const lagStats = {
    min: secondsGauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.'),
    max: secondsGauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.'),
    mean: secondsGauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.'),
    stddev: secondsGauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.'),
    p50: secondsGauge('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.'),
    p90: secondsGauge('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.'),
    p99: secondsGauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.'),
  };
  const byType = (name: string, total: string, what: string, list: () => readonly string[]) =>
    new TypeCounts(
      count(name, `Number of active ${what} grouped by type.`),
      count(total, `Total number of active ${what}.`),
      list,
      withBase,
    );
  const typed = [
    byType('nodejs_active_resources', 'nodejs_active_resources_total', 'resources keeping the event loop alive', () =>
      process.getActiveResourcesInfo(),
    ),
    byType('nodejs_active_handles', 'nodejs_active_handles_total', 'libuv handles', () => classNames(internals._getActiveHandles)),
    byType('nodejs_active_requests', 'nodejs_active_requests_total', 'libuv requests', () => classNames(internals._getActiveRequests)),
  ];
  const heapTotal = bytes('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.');
  const heapUsed = bytes('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.');
  const external = bytes('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.');
  const space = {
    total: bytes('nodejs_heap_space_size_total_bytes', 'Process heap space size total from Node.js in bytes.'),
    used: bytes('nodejs_heap_space_size_used_bytes', 'Process heap space size used from Node.js in bytes.'),
    available: bytes('nodejs_heap_space_size_available_bytes', 'Process heap space size available from Node.js in bytes.'),
  };
  const version = count('nodejs_version_info', 'Node.js version info.');
  const [major, minor, patch] = process.version.slice(1).split('.').map(Number);
  const versionAttributes = withBase({ version: process.version, major: major ?? 0, minor: minor ?? 0, patch: patch ?? 0 });
  const spaceAttributes = new Map<string, Attributes>();
  const startSeconds = performance.timeOrigin / 1000;

  const observe = (result: BatchObservableResult): void => {
    const cpu = process.cpuUsage();
    result.observe(cpuUser, cpu.user / 1e6, base);
    result.observe(cpuSystem, cpu.system / 1e6, base);
    result.observe(cpuTotal, (cpu.user + cpu.system) / 1e6, base);
    if (startTime !== undefined) result.observe(startTime, startSeconds, base);
    const status = linux ? procStatus() : undefined;
    result.observe(rss, status?.VmRSS ?? process.memoryUsage.rss(), base);
    if (virtual !== undefined && status?.VmSize !== undefined) result.observe(virtual, status.VmSize, base);
    if (heap !== undefined && status?.VmData !== undefined) result.observe(heap, status.VmData, base);
    if (openFds !== undefined) {
      const open = openFileDescriptors();
      if (open !== undefined) result.observe(openFds, open, base);
    }
    if (maxFdsGauge !== undefined && maxFds !== undefined) result.observe(maxFdsGauge, maxFds, base);

    const stats = loop.take().delay;
    if (stats !== undefined) {
      result.observe(lag, stats.mean, base);
      for (const key of Object.keys(lagStats) as Array<keyof typeof lagStats>) result.observe(lagStats[key], stats[key], base);
    }
    for (const counts of typed) counts.observe(result);

    const memory = process.memoryUsage();
    result.observe(heapTotal, memory.heapTotal, base);
    result.observe(heapUsed, memory.heapUsed, base);
    result.observe(external, memory.external, base);
    for (const s of getHeapSpaceStatistics()) {
      let attributes = spaceAttributes.get(s.space_name);
      if (attributes === undefined) {
        // prom-client's label value: `old_space` → `old`, `new_large_object_space` → `new_large_object`.
        const end = s.space_name.indexOf('_space');
        attributes = withBase({ space: end === -1 ? s.space_name : s.space_name.slice(0, end) });
        spaceAttributes.set(s.space_name, attributes);
      }
      result.observe(space.total, s.space_size, attributes);
      result.observe(space.used, s.space_used_size, attributes);
      result.observe(space.available, s.space_available_size, attributes);
    }
    result.observe(version, 1, versionAttributes);
  };
  meter.addBatchObservableCallback(observe, observables);

  const gcHistogram = meter.createHistogram(`${prefix}nodejs_gc_duration_seconds`, {
    description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...(options.gcDurationBuckets ?? PROM_CLIENT_GC_BUCKETS)] },
  });
  const stopGc = observeGc(gcKindAdapter(gcHistogram, withBase));

  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    meter.removeBatchObservableCallback(observe, observables);
    stopGc();
  };
}

/**
 * A by-type gauge and its total. prom-client resets the by-type gauge at every collection, so a
 * type that is gone disappears; a cumulative OpenTelemetry stream keeps every series it has seen,
 * so such a type is reported as 0 instead of its last count.
 */
class TypeCounts {
  readonly #attributes = new Map<string, Attributes>();
  readonly #counts = new Map<string, number>();
  readonly #totalAttributes: Attributes;

  constructor(
    private readonly byType: Observable,
    private readonly total: Observable,
    private readonly list: () => readonly string[],
    private readonly withBase: (attributes: Attributes) => Attributes,
  ) {
    this.#totalAttributes = withBase({});
  }

  observe(result: BatchObservableResult): void {
    const counts = this.#counts;
    for (const type of counts.keys()) counts.set(type, 0);
    const types = this.list();
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, n] of counts) {
      let attributes = this.#attributes.get(type);
      if (attributes === undefined) {
        attributes = this.withBase({ type });
        this.#attributes.set(type, attributes);
      }
      result.observe(this.byType, n, attributes);
    }
    result.observe(this.total, types.length, this.#totalAttributes);
  }
}

/** Constructor names of `list()`'s objects, as prom-client's `aggregateByObjectName` counts them. */
function classNames(list: ActiveList | undefined): string[] {
  if (typeof list !== 'function') return [];
  const names: string[] = [];
  for (const item of list.call(process)) {
    const name = (item as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** `observeGc` records `v8js.gc.type`; prom-client's label is `kind`, with the same values. */
function gcKindAdapter(histogram: Histogram, withBase: (attributes: Attributes) => Attributes): Histogram {
  const byType = new Map<unknown, Attributes>();
  return {
    record(value, attributes) {
      const type = attributes?.['v8js.gc.type'];
      let kind = byType.get(type);
      if (kind === undefined) {
        kind = withBase({ kind: String(type) });
        byType.set(type, kind);
      }
      histogram.record(value, kind);
    },
  };
}

/** VmRSS, VmSize and VmData from `/proc/self/status`, in bytes (prom-client's Linux source). */
function procStatus(): { VmRSS?: number; VmSize?: number; VmData?: number } | undefined {
  try {
    const out: Record<string, number> = {};
    for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const match = /^(VmRSS|VmSize|VmData):\s+(\d+)\s*kB/.exec(line);
      if (match?.[1] !== undefined) out[match[1]] = Number(match[2]) * 1024;
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Entries of `/proc/self/fd` minus the descriptor the listing itself holds open. */
function openFileDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

let maxFdsCache: number | null | undefined;

/** The soft "Max open files" limit from `/proc/self/limits`, read once; undefined where there is none. */
function maxFileDescriptors(): number | undefined {
  if (maxFdsCache === undefined) {
    maxFdsCache = null;
    try {
      for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n')) {
        if (!line.startsWith('Max open files')) continue;
        const limit = Number(line.split(/ {2,}/)[1]);
        if (Number.isFinite(limit)) maxFdsCache = limit;
        break;
      }
    } catch {
      // No procfs (macOS, Windows): prom-client omits the metric too.
    }
  }
  return maxFdsCache ?? undefined;
}
