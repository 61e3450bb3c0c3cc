/**
 * GC pauses into `v8js.gc.duration`, by `v8js.gc.type`. Node reports every collection as a
 * `gc` performance entry; recording it is one histogram record per GC, off any hot path.
 */
import type { Histogram } from '@opentelemetry/api';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/** The semconv values of `v8js.gc.type`, by Node's `NODE_PERFORMANCE_GC_*` kind. */
const GC_TYPES: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/** Attribute objects are shared per type: the SDK keys series by them on every record. */
const ATTRIBUTES: ReadonlyMap<number, { readonly 'v8js.gc.type': string }> = new Map(
  [...GC_TYPES].map(([kind, type]) => [kind, Object.freeze({ 'v8js.gc.type': type })]),
);

function kindOf(entry: PerformanceEntry): number | undefined {
  // `detail` is on Node's GC entries, not in the DOM-shaped type.
  const detail = (entry as { readonly detail?: unknown }).detail as { kind?: unknown } | null | undefined;
  return typeof detail?.kind === 'number' ? detail.kind : undefined;
}

/** Starts recording GC pauses (in seconds) into `histogram`; returns the function that stops it. */
export function observeGc(histogram: Histogram): () => void {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kindOf(entry);
      const attributes = kind === undefined ? undefined : ATTRIBUTES.get(kind);
      if (attributes !== undefined) histogram.record(entry.duration / 1000, attributes);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
