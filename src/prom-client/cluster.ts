/**
 * prom-client's `AggregatorRegistry`: in the cluster primary, `clusterMetrics()` asks every
 * connected worker for its registries' `getMetricsAsJSON()` over the cluster IPC channel and
 * aggregates them metric by metric with each metric's `aggregator`. Workers answer from the
 * registries set with `setRegistries()` (default: the default registry). promkit's own cluster
 * mode (`start({ cluster: true })`) merges OpenTelemetry collections instead; this is the
 * prom-client protocol for code written against it, on messages of its own.
 */
import type { Worker } from 'node:cluster';
import { aggregators, type AggregatorFunction } from './aggregators.js';
import { Registry, type MetricObject, type RegistryContentType } from './registry.js';
import type { MetricObjectWithValues } from './render.js';
import { untracked } from './reported.js';

const REQUEST = 'promkit:prom-client:getMetricsReq';
const RESPONSE = 'promkit:prom-client:getMetricsRes';
/** prom-client's time limit for all workers to answer. */
const TIMEOUT_MILLIS = 5000;

interface Pending {
  readonly responses: MetricObjectWithValues[][];
  pending: number;
  readonly done: (error: Error | undefined, text?: string) => void;
}

type Cluster = typeof import('node:cluster').default;
let clusterModule: Cluster | undefined;
/** Loaded when first used, as prom-client does: apps without AggregatorRegistry never load node:cluster. */
function cluster(): Cluster {
  clusterModule ??= process.getBuiltinModule('node:cluster') as unknown as Cluster;
  return clusterModule;
}

let registries: Registry<RegistryContentType>[] | undefined;
let nextRequest = 0;
let listening = false;
const requests = new Map<number, Pending>();

export class AggregatorRegistry<T extends RegistryContentType = RegistryContentType> extends Registry<T> {
  constructor(contentType?: T) {
    super(contentType);
    listen();
  }

  /** Every worker's metrics, aggregated; '' without workers. Rejects after 5 s or on a worker's error. */
  clusterMetrics(): Promise<string> {
    const id = nextRequest++;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => done(new Error('Operation timed out.')), TIMEOUT_MILLIS);
      const done = (error: Error | undefined, text?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        requests.delete(id);
        if (error !== undefined) reject(error);
        else resolve(text as string);
      };
      const request: Pending = { responses: [], pending: 0, done };
      requests.set(id, request);
      for (const worker of Object.values(cluster().workers ?? {}) as Worker[]) {
        if (worker.isConnected()) {
          worker.send({ type: REQUEST, requestId: id });
          request.pending++;
        }
      }
      if (request.pending === 0) process.nextTick(() => done(undefined, ''));
    });
  }

  /**
   * A registry with `metricsArr` (each one process's `getMetricsAsJSON()`) combined metric by
   * metric with its `aggregator` (sum when none was given).
   */
  static aggregate<T extends RegistryContentType>(metricsArr: readonly (readonly MetricObjectWithValues[])[], registryType?: T): Registry<T> {
    const aggregated = untracked(() => new Registry<T>());
    aggregated.setContentType((registryType ?? Registry.PROMETHEUS_CONTENT_TYPE) as T);
    const byName = new Map<string, MetricObjectWithValues[]>();
    for (const metrics of metricsArr) {
      for (const metric of metrics) {
        const group = byName.get(metric.name);
        if (group === undefined) byName.set(metric.name, [metric]);
        else group.push(metric);
      }
    }
    for (const metrics of byName.values()) {
      const name = (metrics[0] as MetricObjectWithValues).aggregator;
      const aggregate = (aggregators as Record<string, AggregatorFunction | undefined>)[name];
      if (typeof aggregate !== 'function') throw new Error(`'${name}' is not a defined aggregator.`);
      const result = aggregate(metrics);
      if (result !== undefined) aggregated.registerMetric({ ...result, get: () => result } as MetricObject);
    }
    return aggregated;
  }

  /** The registries a worker reports (default: the default registry). */
  static setRegistries(registriesToAggregate: Registry<RegistryContentType> | Registry<RegistryContentType>[]): void {
    const list = Array.isArray(registriesToAggregate) ? registriesToAggregate : [registriesToAggregate];
    for (const registry of list) if (!(registry instanceof Registry)) throw new TypeError(`Expected Registry, got ${typeof registry}`);
    registries = list;
  }
}

interface Message {
  readonly type?: unknown;
  readonly requestId: number;
  readonly metrics?: MetricObjectWithValues[][];
  readonly error?: string;
}

function listen(): void {
  if (listening) return;
  listening = true;
  const c = cluster();
  if (c.isPrimary) {
    c.on('message', (_worker: Worker, message: Message) => {
      if (message?.type !== RESPONSE) return;
      const request = requests.get(message.requestId);
      if (request === undefined) return;
      if (message.error !== undefined) return request.done(new Error(message.error));
      for (const metrics of message.metrics ?? []) request.responses.push(metrics);
      if (--request.pending === 0) {
        AggregatorRegistry.aggregate(request.responses)
          .metrics()
          .then((text) => request.done(undefined, text), (error: Error) => request.done(error));
      }
    });
  }
  if (c.isWorker) {
    process.on('message', (message: Message) => {
      if (message?.type !== REQUEST) return;
      const sources = registries ?? [Registry.globalRegistry];
      Promise.all(sources.map((registry) => registry.getMetricsAsJSON())).then(
        (metrics) => process.send?.({ type: RESPONSE, requestId: message.requestId, metrics }),
        (error: Error) => process.send?.({ type: RESPONSE, requestId: message.requestId, error: error.message }),
      );
    });
  }
}
