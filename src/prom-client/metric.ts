/**
 * prom-client's `Metric` base: the configuration checks, in prom-client's order and words, and
 * the registration in `registers` (default: the default registry). Every option passed becomes a
 * property of the metric, as in prom-client (`metric.name`, `metric.labelNames`, `metric.buckets`).
 */
import { Registry, type MetricObject, type RegistryContentType } from './registry.js';
import type { MetricObjectWithValues } from './render.js';
import { invalidLabelNames, isObject, validateMetricName } from './validation.js';
import { noteCreated } from './reported.js';

/** prom-client's aggregator names (cluster aggregation of one metric). */
export type Aggregator = 'omit' | 'sum' | 'first' | 'min' | 'max' | 'average';

/** The options every metric takes. */
export interface MetricConfiguration<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: Registry<RegistryContentType>[];
  aggregator?: Aggregator;
  collect?: (this: never) => void | Promise<void>;
  enableExemplars?: boolean;
}

export abstract class Metric<T extends string = string> implements MetricObject {
  declare name: string;
  declare help: string;
  declare labelNames: T[];
  declare registers: Registry<RegistryContentType>[];
  declare aggregator: Aggregator;
  declare enableExemplars: boolean;
  declare sortedLabelNames: T[];
  declare collect?: () => void | Promise<void>;
  abstract readonly type: string;

  constructor(config: MetricConfiguration<T>, defaults: object = {}) {
    if (!isObject(config)) throw new TypeError('constructor expected a config object');
    Object.assign(this, { labelNames: [], registers: [Registry.globalRegistry], aggregator: 'sum', enableExemplars: false }, defaults, config);
    this.registers ??= [Registry.globalRegistry];
    if (!this.help) throw new Error('Missing mandatory help parameter');
    if (!this.name) throw new Error('Missing mandatory name parameter');
    if (!validateMetricName(this.name)) throw new Error(`Invalid metric name: ${this.name}`);
    const invalid = invalidLabelNames(this.labelNames ?? []);
    if (invalid.length > 0) throw new Error(`At least one label name is invalid: ${invalid.join(',')}`);
    if (this.collect && typeof this.collect !== 'function') throw new Error('Optional "collect" parameter must be a function');
    this.labelNames ??= [];
    this.sortedLabelNames = [...this.labelNames].sort();
    noteCreated(this);
  }

  /** Checks each registry and registers there; called by the subclass once its own state exists. */
  protected register(): void {
    for (const registry of this.registers) {
      if (this.enableExemplars && registry.contentType === Registry.PROMETHEUS_CONTENT_TYPE) {
        throw new TypeError('Exemplars are supported only on OpenMetrics registries');
      }
      registry.registerMetric(this);
    }
  }

  /** Runs `collect()` (awaited when it returns a promise), with `this` the metric. */
  protected async runCollect(): Promise<void> {
    if (this.collect) {
      const result = this.collect();
      if (result instanceof Promise) await result;
    }
  }

  abstract get(): Promise<MetricObjectWithValues>;
  abstract reset(): void;
}
