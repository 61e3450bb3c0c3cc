/**
 * Where `promkit/prom-client` meets a running promkit. `start()` binds its meter provider, its
 * scrape and its runtime sets here; the compatibility layer (which `start()` never imports)
 * listens, moves its instruments onto the provider, and serves `register.metrics()` from the
 * same exposition as the endpoint. Nothing here imports OpenTelemetry's SDK or the rest of the
 * layer, so `start()` pays one tiny module for it.
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { PromClientRuntimeOptions } from '../runtime/prom-client-names.js';

/** What a running promkit offers the compatibility layer. */
export interface PromClientBinding {
  readonly meterProvider: MeterProvider;
  /** The endpoint's Prometheus text for a fresh collection. */
  scrape(): Promise<string>;
  /** One collection, as the endpoint makes it (outside the event-loop delay measurement). */
  collect(): Promise<ResourceMetrics>;
  /** Turns on prom-client's runtime names; false when they were already on. */
  enableRuntimeNames(options?: PromClientRuntimeOptions): boolean;
  readonly cardinalityLimit?: number;
}

type Listener = (binding: PromClientBinding | undefined) => void;

let current: PromClientBinding | undefined;
const listeners = new Set<Listener>();

/** Called by `start()`; returns the function its shutdown calls. */
export function bindPromClient(binding: PromClientBinding): () => void {
  current = binding;
  for (const listener of listeners) listener(binding);
  return () => {
    if (current !== binding) return;
    current = undefined;
    for (const listener of listeners) listener(undefined);
  };
}

/** The running promkit, if any. */
export function currentBinding(): PromClientBinding | undefined {
  return current;
}

/** Calls `listener` now and on every later bind and unbind. */
export function onBinding(listener: Listener): void {
  listeners.add(listener);
  listener(current);
}
