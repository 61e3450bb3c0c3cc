/**
 * The registries whose metrics reach promkit's endpoint, remote write, OTLP and the cluster
 * merge when promkit runs: every `Registry` the app creates (held weakly, so a dropped registry
 * is forgotten), not the copies `Registry.merge()` and `AggregatorRegistry.aggregate()` make.
 */
import type { MetricObject } from './render.js';

interface Source {
  getMetricsAsArray(): MetricObject[];
}

const registries: WeakRef<Source>[] = [];
let paused = 0;

export function trackRegistry(registry: Source): void {
  if (paused !== 0) return;
  registries.push(new WeakRef(registry));
  // Without promkit running nothing reads the list: forget collected registries now and then.
  if ((registries.length & 255) === 0) prune();
}

function prune(): void {
  for (let i = 0; i < registries.length; i++) if (registries[i]?.deref() === undefined) registries.splice(i--, 1);
}

/** Runs `make` without tracking the registries it creates. */
export function untracked<T>(make: () => T): T {
  paused++;
  try {
    return make();
  } finally {
    paused--;
  }
}

const runtimeTwins = new WeakSet<object>();
let creatingDefaults = 0;

/**
 * Runs `make` (prom-client's `collectDefaultMetrics()`), marking every metric it creates as a
 * runtime twin: promkit's endpoint leaves out a twin whose name promkit's own runtime metrics
 * already export, so the two sets never collide there (the registry's own output keeps it).
 */
export function asRuntimeTwins(make: () => void): void {
  creatingDefaults++;
  try {
    make();
  } finally {
    creatingDefaults--;
  }
}

/** Called by every metric's constructor. */
export function noteCreated(metric: object): void {
  if (creatingDefaults !== 0) runtimeTwins.add(metric);
}

/** Whether `metric` came from `collectDefaultMetrics()`. */
export function isRuntimeTwin(metric: object): boolean {
  return runtimeTwins.has(metric);
}

/** Every metric of the live registries, one per name (the first registry's wins), in registration order. */
export function reportedMetrics(): MetricObject[] {
  const byName = new Map<string, MetricObject>();
  for (let i = 0; i < registries.length; i++) {
    const registry = registries[i]?.deref();
    if (registry === undefined) {
      registries.splice(i--, 1);
      continue;
    }
    for (const metric of registry.getMetricsAsArray()) if (!byName.has(metric.name)) byName.set(metric.name, metric);
  }
  return [...byName.values()];
}
