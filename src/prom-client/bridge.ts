/**
 * Where `promkit/prom-client` meets a running promkit. `start()` binds its meter provider and its
 * scrape here, and passes {@link promClientProducer} to its readers; the compatibility layer
 * (which `start()` never imports) fills the producer when it loads, so its registered metrics
 * reach promkit's endpoint, remote write, OTLP and the cluster merge. Nothing here imports the
 * rest of the layer, so `start()` pays one tiny module for it.
 */
import type { MeterProvider } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import type { CollectionResult, MetricProducer, ResourceMetrics } from '@opentelemetry/sdk-metrics';

type CollectionOptions = Parameters<MetricProducer['collect']>[0];
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
  /**
   * Prometheus names promkit's own runtime metrics export: the layer's `collectDefaultMetrics()`
   * metrics of those names are left out of promkit's endpoint (promkit's set wins), not reported twice.
   */
  readonly runtimeNames?: ReadonlySet<string>;
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

let source: MetricProducer | undefined;
const EMPTY: CollectionResult = { resourceMetrics: { resource: emptyResource(), scopeMetrics: [] }, errors: [] };

/** Set by the layer when it loads: what {@link promClientProducer} reports. */
export function setPromClientSource(producer: MetricProducer): void {
  source = producer;
}

/** For promkit's readers: the layer's metrics when it is loaded, nothing otherwise. */
export const promClientProducer: MetricProducer = {
  collect: (options?: CollectionOptions) => source?.collect(options) ?? Promise.resolve(EMPTY),
};
