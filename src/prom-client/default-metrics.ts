/**
 * prom-client's `collectDefaultMetrics()`: the same names, types, labels and sources, as metrics
 * of this layer in the registry passed (default: the default registry), read when the registry
 * is read. CPU counters count from this call on, as in prom-client.
 */
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import type { Aggregator } from './metric.js';
import type { Registry, RegistryContentType } from './registry.js';
import { isObject, type Labels } from './validation.js';
import { asRuntimeTwins } from './reported.js';

export interface DefaultMetricsCollectorConfiguration<T extends RegistryContentType = RegistryContentType> {
  register?: Registry<T>;
  prefix?: string;
  gcDurationBuckets?: number[];
  eventLoopMonitoringPrecision?: number;
  labels?: object;
}

/** prom-client's GC duration buckets, in seconds. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Readonly<Record<number, string>> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

type Internals = { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };

/** Adds prom-client's default metrics to `config.register` (default: the default registry). */
export function collectDefaultMetrics<T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T>): void {
  asRuntimeTwins(() => createDefaultMetrics(config));
}

function createDefaultMetrics<T extends RegistryContentType>(config?: DefaultMetricsCollectorConfiguration<T>): void {
  if (config !== null && config !== undefined && !isObject(config)) throw new TypeError('config must be null, undefined, or an object');
  const { register, prefix = '', labels: given = {}, gcDurationBuckets = GC_BUCKETS, eventLoopMonitoringPrecision = 10 } = (config ?? {}) as DefaultMetricsCollectorConfiguration<T>;
  const labels = given as Labels;
  const labelNames = Object.keys(labels);
  const registers = register === undefined ? undefined : [register as Registry<RegistryContentType>];
  const common = (name: string, help: string, extra: string[] = [], aggregator?: Aggregator) => ({
    name: prefix + name,
    help,
    labelNames: [...labelNames, ...extra],
    ...(registers !== undefined && { registers }),
    ...(aggregator !== undefined && { aggregator }),
  });
  const gauge = (name: string, help: string, read: (set: (value: number, extra?: Labels) => void) => void, extra: string[] = [], aggregator?: Aggregator): Gauge =>
    new Gauge({
      ...common(name, help, extra, aggregator),
      collect(this: Gauge) {
        read((value, more) => this.set({ ...labels, ...more }, value));
      },
    });

  // CPU: counted from this call on.
  let lastCpu = process.cpuUsage();
  const cpuUser = new Counter(common('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.'));
  const cpuSystem = new Counter(common('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.'));
  new Counter({
    ...common('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.'),
    collect(this: Counter) {
      const now = process.cpuUsage();
      const user = (now.user - lastCpu.user) / 1e6;
      const system = (now.system - lastCpu.system) / 1e6;
      lastCpu = now;
      cpuUser.inc(labels, user);
      cpuSystem.inc(labels, system);
      this.inc(labels, user + system);
    },
  });

  new Gauge(common('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', [], 'omit')).set(labels, Math.round(Date.now() / 1000 - process.uptime()));

  if (process.platform === 'linux') {
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (set) => set(procStatus().VmRSS ?? process.memoryUsage.rss()));
    gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', (set) => set(procStatus().VmSize ?? 0));
    gauge('process_heap_bytes', 'Process heap size in bytes.', (set) => set(procStatus().VmData ?? 0));
    gauge('process_open_fds', 'Number of open file descriptors.', (set) => set(readFs().readdirSync('/proc/self/fd').length - 1));
    const max = maxFds();
    if (max !== undefined) new Gauge(common('process_max_fds', 'Maximum number of open file descriptors.')).set(labels, max);
  } else {
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (set) => set(process.memoryUsage.rss()));
  }

  eventLoopLag(common, labels, eventLoopMonitoringPrecision);

  const byType = (name: string, total: string, what: string, list: () => string[]) => {
    gauge(name, `Number of active ${what} grouped by type.`, (set) => {
      const counts = new Map<string, number>();
      for (const type of list()) counts.set(type, (counts.get(type) ?? 0) + 1);
      for (const [type, count] of counts) set(count, { type });
    }, ['type']);
    gauge(total, `Total number of active ${what}.`, (set) => set(list().length));
  };
  const internals = process as unknown as Internals;
  const classNames = (read: (() => unknown[]) | undefined) => () => (read?.call(process) ?? []).map((item) => (item as object | null)?.constructor?.name ?? 'unknown');
  if (typeof process.getActiveResourcesInfo === 'function') {
    byType('nodejs_active_resources', 'nodejs_active_resources_total', 'resources that are currently keeping the event loop alive', () => process.getActiveResourcesInfo());
  }
  byType('nodejs_active_handles', 'nodejs_active_handles_total', 'handles', classNames(internals._getActiveHandles));
  byType('nodejs_active_requests', 'nodejs_active_requests_total', 'requests', classNames(internals._getActiveRequests));

  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', (set) => set(process.memoryUsage().heapTotal));
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', (set) => set(process.memoryUsage().heapUsed));
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', (set) => set(process.memoryUsage().external));

  const v8 = process.getBuiltinModule('node:v8') as typeof import('node:v8');
  for (const [field, what] of [['total', 'size_total'], ['used', 'size_used'], ['available', 'size_available']] as const) {
    gauge(`nodejs_heap_space_${what}_bytes`, `Process heap space ${what.replace('_', ' ')} from Node.js in bytes.`, (set) => {
      for (const space of v8.getHeapSpaceStatistics()) {
        const value = field === 'total' ? space.space_size : field === 'used' ? space.space_used_size : space.space_available_size;
        set(value, { space: space.space_name.slice(0, space.space_name.indexOf('_space')) });
      }
    }, ['space']);
  }

  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  new Gauge(common('nodejs_version_info', 'Node.js version info.', ['version', 'major', 'minor', 'patch'], 'first')).set(
    { ...labels, version: process.version, major: major ?? 0, minor: minor ?? 0, patch: patch ?? 0 },
    1,
  );

  const gc = new Histogram({ ...common('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', ['kind']), buckets: gcDurationBuckets });
  const { PerformanceObserver } = process.getBuiltinModule('node:perf_hooks') as typeof import('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = ((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      gc.observe({ ...labels, kind: GC_KINDS[kind ?? 0] ?? 'unknown' }, entry.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
}

function eventLoopLag(common: (name: string, help: string) => object, labels: Labels, precision: number): void {
  const { monitorEventLoopDelay } = process.getBuiltinModule('node:perf_hooks') as typeof import('node:perf_hooks');
  const histogram = monitorEventLoopDelay({ resolution: precision });
  histogram.enable();
  new Gauge({
    ...(common('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.') as { name: string; help: string }),
    collect(this: Gauge) {
      const start = process.hrtime.bigint();
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          this.set(labels, Number(process.hrtime.bigint() - start) / 1e9);
          resolve();
        }),
      );
    },
  });
  const stats: ReadonlyArray<readonly [string, string, () => number]> = [
    ['min', 'The minimum recorded event loop delay.', () => histogram.min],
    ['max', 'The maximum recorded event loop delay.', () => histogram.max],
    ['mean', 'The mean of the recorded event loop delays.', () => histogram.mean],
    ['stddev', 'The standard deviation of the recorded event loop delays.', () => histogram.stddev],
    ['p50', 'The 50th percentile of the recorded event loop delays.', () => histogram.percentile(50)],
    ['p90', 'The 90th percentile of the recorded event loop delays.', () => histogram.percentile(90)],
    ['p99', 'The 99th percentile of the recorded event loop delays.', () => histogram.percentile(99)],
  ];
  for (const [suffix, help, read] of stats) {
    new Gauge({
      ...(common(`nodejs_eventloop_lag_${suffix}_seconds`, help) as { name: string; help: string }),
      collect(this: Gauge) {
        this.set(labels, read() / 1e9);
        // Reset after the last statistic: each collection describes the interval since the previous one.
        if (suffix === 'p99') histogram.reset();
      },
    });
  }
}

function readFs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs') as typeof import('node:fs');
}

function procStatus(): { VmRSS?: number; VmSize?: number; VmData?: number } {
  const status: Record<string, number> = {};
  try {
    for (const line of readFs().readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const match = /^(VmRSS|VmSize|VmData):\s+(\d+)\s+kB/.exec(line);
      if (match !== null) status[match[1] as string] = Number(match[2]) * 1024;
    }
  } catch {
    // Not readable (a sandbox): the callers fall back.
  }
  return status;
}

function maxFds(): number | undefined {
  try {
    const line = readFs().readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
