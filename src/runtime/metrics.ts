/**
 * Node.js runtime metrics, the equivalent of prom-client's default set, named by the
 * catalogue's `process.*`, `v8js.*` and `nodejs.*` entries. Written here rather than through
 * `@opentelemetry/instrumentation-runtime-node` / `host-metrics`: each value is one call into
 * `process`, `v8` or `perf_hooks`, and the event-loop delay needs the scrape-aware interval of
 * {@link LoopMonitor}, which neither package offers. Everything but GC pauses is observed in one
 * batch callback at collection time, so nothing runs between scrapes except Node's own
 * event-loop sampling timer and the GC observer.
 */
import type { Attributes, BatchObservableResult, MeterProvider, Observable } from '@opentelemetry/api';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import * as R from '../catalogue/runtime.js';
import type { MetricDefinition } from '../catalogue/types.js';
import { LoopMonitor, type LoopMonitorOptions } from './event-loop.js';
import { observeGc } from './gc.js';

// Not an ES import of `node:fs`: its namespace reads the lazy `fs.promises` getter, which would
// load the promises API and web streams into every process at start-up.
const { readdirSync } = process.getBuiltinModule('node:fs');

/** The meter (instrumentation scope) runtime metrics are recorded under. */
export const RUNTIME_METER_NAME = 'promkit.runtime';

export interface RuntimeMetrics {
  /**
   * Runs one collection (and whatever rendering follows it in the same tick) outside the
   * event-loop delay measurement: sampling stops when `work` starts and a new interval begins
   * on the next turn of the loop after it settles, once the response has been rendered.
   */
  outsideLoopDelay<T>(work: () => Promise<T>): Promise<T>;
  /** Stops the GC observer and the event-loop sampling timer. Idempotent. */
  stop(): void;
}

export interface RuntimeMetricsOptions extends LoopMonitorOptions {
  /**
   * Count open file descriptors from `/proc/self/fd` (Linux only). Default false: the catalogue
   * name scrapes as `process_unix_file_descriptor_count`, a gauge ending in `_count`, which
   * `promtool check metrics` rejects as a histogram-only suffix.
   */
  readonly fileDescriptors?: boolean;
  /** An event-loop monitor shared with another runtime set (its owner stops it); default: a new one. */
  readonly loop?: LoopMonitor;
}

const USER: Attributes = Object.freeze({ 'cpu.mode': 'user' });
const SYSTEM: Attributes = Object.freeze({ 'cpu.mode': 'system' });
const ACTIVE: Attributes = Object.freeze({ 'nodejs.eventloop.state': 'active' });
const IDLE: Attributes = Object.freeze({ 'nodejs.eventloop.state': 'idle' });

/** Registers the runtime instruments on `meterProvider` and starts the GC and event-loop monitors. */
export function startRuntimeMetrics(meterProvider: MeterProvider, options: RuntimeMetricsOptions = {}): RuntimeMetrics {
  const meter = meterProvider.getMeter(RUNTIME_METER_NAME);
  const describe = (d: MetricDefinition) => ({ description: d.description, unit: d.unit });
  const gauge = (d: MetricDefinition) => meter.createObservableGauge(d.name, describe(d));
  const upDown = (d: MetricDefinition) => meter.createObservableUpDownCounter(d.name, describe(d));
  const counter = (d: MetricDefinition) => meter.createObservableCounter(d.name, describe(d));

  const cpuTime = counter(R.PROCESS_CPU_TIME);
  const cpuUtilization = gauge(R.PROCESS_CPU_UTILIZATION);
  const rss = upDown(R.PROCESS_MEMORY_USAGE);
  const uptime = gauge(R.PROCESS_UPTIME);
  const startTime = gauge(R.PROCESS_START_TIME);
  const heapUsed = upDown(R.V8JS_MEMORY_HEAP_USED);
  const heapLimit = upDown(R.V8JS_MEMORY_HEAP_LIMIT);
  const heapAvailable = upDown(R.V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE);
  const heapPhysical = upDown(R.V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE);
  const external = upDown(R.V8JS_MEMORY_EXTERNAL);
  const resources = upDown(R.V8JS_RESOURCE_ACTIVE);
  const loopTime = counter(R.NODEJS_EVENTLOOP_TIME);
  const utilization = gauge(R.NODEJS_EVENTLOOP_UTILIZATION);
  const delay = {
    min: gauge(R.NODEJS_EVENTLOOP_DELAY_MIN),
    max: gauge(R.NODEJS_EVENTLOOP_DELAY_MAX),
    mean: gauge(R.NODEJS_EVENTLOOP_DELAY_MEAN),
    stddev: gauge(R.NODEJS_EVENTLOOP_DELAY_STDDEV),
    p50: gauge(R.NODEJS_EVENTLOOP_DELAY_P50),
    p90: gauge(R.NODEJS_EVENTLOOP_DELAY_P90),
    p99: gauge(R.NODEJS_EVENTLOOP_DELAY_P99),
  };
  const fdCount = options.fileDescriptors === true && process.platform === 'linux' ? upDown(R.PROCESS_UNIX_FILE_DESCRIPTOR_COUNT) : undefined;

  const loop = options.loop ?? new LoopMonitor(options);
  const stopGc = observeGc(meter.createHistogram(R.V8JS_GC_DURATION.name, describe(R.V8JS_GC_DURATION)));
  const cpus = availableParallelism();
  // The start time is fixed; performance.timeOrigin is when this process began, in epoch ms.
  const startSeconds = performance.timeOrigin / 1000;
  let lastCpu = process.cpuUsage();
  let lastCpuAt = performance.now();

  const observe = (result: BatchObservableResult) => {
    const cpu = process.cpuUsage();
    const now = performance.now();
    result.observe(cpuTime, cpu.user / 1e6, USER);
    result.observe(cpuTime, cpu.system / 1e6, SYSTEM);
    // CPU-µs over wall-µs times cores: 1 means every core busy for the whole interval.
    const capacity = (now - lastCpuAt) * 1000 * cpus;
    if (capacity > 0) {
      result.observe(cpuUtilization, (cpu.user - lastCpu.user) / capacity, USER);
      result.observe(cpuUtilization, (cpu.system - lastCpu.system) / capacity, SYSTEM);
    }
    lastCpu = cpu;
    lastCpuAt = now;

    result.observe(rss, process.memoryUsage.rss());
    result.observe(uptime, process.uptime());
    result.observe(startTime, startSeconds);
    for (const space of getHeapSpaceStatistics()) {
      const attributes = { 'v8js.heap.space.name': space.space_name };
      result.observe(heapUsed, space.space_used_size, attributes);
      result.observe(heapLimit, space.space_size, attributes);
      result.observe(heapAvailable, space.space_available_size, attributes);
      result.observe(heapPhysical, space.physical_space_size, attributes);
    }
    result.observe(external, getHeapStatistics().external_memory);
    observeResources(result, resources);
    if (fdCount !== undefined) {
      const count = openFileDescriptors();
      if (count !== undefined) result.observe(fdCount, count);
    }

    const elu = performance.eventLoopUtilization();
    result.observe(loopTime, elu.active / 1000, ACTIVE);
    result.observe(loopTime, elu.idle / 1000, IDLE);
    const interval = loop.take();
    result.observe(utilization, interval.utilization);
    const stats = interval.delay;
    if (stats !== undefined) {
      for (const key of Object.keys(delay) as Array<keyof typeof delay>) result.observe(delay[key], stats[key]);
    }
  };
  const observables: Observable[] = [cpuTime, cpuUtilization, rss, uptime, startTime, heapUsed, heapLimit, heapAvailable, heapPhysical];
  observables.push(external, resources, loopTime, utilization, ...Object.values(delay));
  if (fdCount !== undefined) observables.push(fdCount);
  meter.addBatchObservableCallback(observe, observables);

  let stopped = false;
  return {
    outsideLoopDelay: (work) => loop.outside(work),
    stop() {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(observe, observables);
      stopGc();
      if (options.loop === undefined) loop.stop();
    },
  };
}

/** Active handles and requests by type (`TCPSocketWrap`, `Timeout`, `FSReqCallback`, …). */
function observeResources(result: BatchObservableResult, instrument: Observable): void {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const [type, count] of counts) result.observe(instrument, count, { 'v8js.resource.type': type });
}

/** Entries of `/proc/self/fd` minus the descriptor the listing itself holds open. */
function openFileDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}
