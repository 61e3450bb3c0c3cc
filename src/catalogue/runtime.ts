/**
 * Node.js runtime metrics, the equivalent of prom-client's default set expressed in the
 * `process.*`, `v8js.*` and `nodejs.*` semantic conventions (as `@opentelemetry/host-metrics` and
 * `@opentelemetry/instrumentation-runtime-node` name them), so runtime dashboards built for OTel
 * apply. Values are observed at collection time, not recorded on a hot path.
 */
import { defineMetric, type MetricDefinition } from './types.js';

export const PROCESS_CPU_TIME = defineMetric({
  name: 'process.cpu.time',
  kind: 'counter',
  unit: 's',
  description: 'CPU time consumed by the process, by mode (user or system).',
  attributes: ['cpu.mode'],
  domain: 'runtime',
  source: 'semconv',
});

export const PROCESS_CPU_UTILIZATION = defineMetric({
  name: 'process.cpu.utilization',
  kind: 'gauge',
  unit: '1',
  description: 'Share of available CPU time the process used since the last collection, by mode.',
  attributes: ['cpu.mode'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

/** The resident set size (RSS), which is what prom-client reports as `process_resident_memory_bytes`. */
export const PROCESS_MEMORY_USAGE = defineMetric({
  name: 'process.memory.usage',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Physical memory in use by the process (resident set size).',
  attributes: [],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

export const PROCESS_UPTIME = defineMetric({
  name: 'process.uptime',
  kind: 'gauge',
  unit: 's',
  description: 'Time since the process started.',
  attributes: [],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

/**
 * No convention names a start-time metric; `process.start_time` in seconds scrapes as
 * `process_start_time_seconds`, the name every Prometheus client library exports, so existing
 * restart alerts (`changes(process_start_time_seconds[1h])`) keep working.
 */
export const PROCESS_START_TIME = defineMetric({
  name: 'process.start_time',
  kind: 'gauge',
  unit: 's',
  description: 'Start time of the process since the Unix epoch.',
  attributes: [],
  domain: 'runtime',
  source: 'promkit',
  clusterAggregation: 'per_worker',
});

export const PROCESS_UNIX_FILE_DESCRIPTOR_COUNT = defineMetric({
  name: 'process.unix.file_descriptor.count',
  kind: 'updowncounter',
  unit: '{file_descriptor}',
  description: 'Number of file descriptors the process has open, on Unix-like systems.',
  attributes: [],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

export const V8JS_MEMORY_HEAP_USED = defineMetric({
  name: 'v8js.memory.heap.used',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Heap memory in use, by V8 heap space.',
  attributes: ['v8js.heap.space.name'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

/** Kept although newer semconv prefers `v8js.memory.heap.space.size`: runtime-node still emits it. */
export const V8JS_MEMORY_HEAP_LIMIT = defineMetric({
  name: 'v8js.memory.heap.limit',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Heap memory pre-allocated, by V8 heap space.',
  attributes: ['v8js.heap.space.name'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

export const V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE = defineMetric({
  name: 'v8js.memory.heap.space.available_size',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Heap memory still available, by V8 heap space.',
  attributes: ['v8js.heap.space.name'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

export const V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE = defineMetric({
  name: 'v8js.memory.heap.space.physical_size',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Heap memory committed by the operating system, by V8 heap space.',
  attributes: ['v8js.heap.space.name'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

/**
 * Memory of C++ objects bound to JavaScript objects (buffers among them), which V8 accounts for
 * but keeps outside the heap spaces; prom-client's `nodejs_external_memory_bytes`. No convention
 * covers it, so the name follows the `v8js.memory.*` family.
 */
export const V8JS_MEMORY_EXTERNAL = defineMetric({
  name: 'v8js.memory.external',
  kind: 'updowncounter',
  unit: 'By',
  description: 'Memory of C++ objects bound to JavaScript objects, outside the V8 heap.',
  attributes: [],
  domain: 'runtime',
  source: 'promkit',
  clusterAggregation: 'per_worker',
});

/** Boundaries are the convention's own advisory `[0.01, 0.1, 1, 10]`, too coarse to share a preset. */
export const V8JS_GC_DURATION = defineMetric({
  name: 'v8js.gc.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of garbage collection pauses, by collection type.',
  attributes: ['v8js.gc.type'],
  boundaries: [0.01, 0.1, 1, 10],
  domain: 'runtime',
  source: 'semconv',
});

/** prom-client's `nodejs_active_handles`, typed by resource as `process.getActiveResourcesInfo()` reports. */
export const V8JS_RESOURCE_ACTIVE = defineMetric({
  name: 'v8js.resource.active',
  kind: 'updowncounter',
  unit: '{resource}',
  description: 'Number of active resources (handles and requests) keeping the event loop alive.',
  attributes: ['v8js.resource.type'],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

/**
 * Event-loop delay comes from `monitorEventLoopDelay`, already a histogram inside Node, so the
 * convention exports its statistics as gauges rather than re-bucketing every sample.
 */
function eventLoopDelay(statistic: 'min' | 'max' | 'mean' | 'stddev' | 'p50' | 'p90' | 'p99', what: string) {
  return defineMetric({
    name: `nodejs.eventloop.delay.${statistic}`,
    kind: 'gauge',
    unit: 's',
    description: `${what} of the event loop delay since the last collection.`,
    attributes: [],
    domain: 'runtime',
    source: 'semconv',
    clusterAggregation: 'per_worker',
  });
}

export const NODEJS_EVENTLOOP_DELAY_MIN = eventLoopDelay('min', 'Minimum');
export const NODEJS_EVENTLOOP_DELAY_MAX = eventLoopDelay('max', 'Maximum');
export const NODEJS_EVENTLOOP_DELAY_MEAN = eventLoopDelay('mean', 'Mean');
export const NODEJS_EVENTLOOP_DELAY_STDDEV = eventLoopDelay('stddev', 'Standard deviation');
export const NODEJS_EVENTLOOP_DELAY_P50 = eventLoopDelay('p50', '50th percentile');
export const NODEJS_EVENTLOOP_DELAY_P90 = eventLoopDelay('p90', '90th percentile');
export const NODEJS_EVENTLOOP_DELAY_P99 = eventLoopDelay('p99', '99th percentile');

export const NODEJS_EVENTLOOP_UTILIZATION = defineMetric({
  name: 'nodejs.eventloop.utilization',
  kind: 'gauge',
  unit: '1',
  description: 'Share of time the event loop was busy since the last collection, from 0 to 1.',
  attributes: [],
  domain: 'runtime',
  source: 'semconv',
  clusterAggregation: 'per_worker',
});

export const NODEJS_EVENTLOOP_TIME = defineMetric({
  name: 'nodejs.eventloop.time',
  kind: 'counter',
  unit: 's',
  description: 'Cumulative time the event loop spent active or idle.',
  attributes: ['nodejs.eventloop.state'],
  domain: 'runtime',
  source: 'semconv',
});

export const RUNTIME_METRICS: readonly MetricDefinition[] = Object.freeze([
  PROCESS_CPU_TIME,
  PROCESS_CPU_UTILIZATION,
  PROCESS_MEMORY_USAGE,
  PROCESS_UPTIME,
  PROCESS_START_TIME,
  PROCESS_UNIX_FILE_DESCRIPTOR_COUNT,
  V8JS_MEMORY_HEAP_USED,
  V8JS_MEMORY_HEAP_LIMIT,
  V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE,
  V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE,
  V8JS_MEMORY_EXTERNAL,
  V8JS_GC_DURATION,
  V8JS_RESOURCE_ACTIVE,
  NODEJS_EVENTLOOP_DELAY_MIN,
  NODEJS_EVENTLOOP_DELAY_MAX,
  NODEJS_EVENTLOOP_DELAY_MEAN,
  NODEJS_EVENTLOOP_DELAY_STDDEV,
  NODEJS_EVENTLOOP_DELAY_P50,
  NODEJS_EVENTLOOP_DELAY_P90,
  NODEJS_EVENTLOOP_DELAY_P99,
  NODEJS_EVENTLOOP_UTILIZATION,
  NODEJS_EVENTLOOP_TIME,
]);
