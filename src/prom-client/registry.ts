/**
 * prom-client's `Registry`: the metric objects registered on it, rendered by `metrics()` in the
 * registry's content type, exactly as prom-client renders them. Nothing else: promkit's own
 * exposition (catalogue, runtime, `target_info`) stays on promkit's endpoint, and
 * {@link promkitMetrics} returns it for an app that wants it on its own route.
 */
import { joinBlocks, OPENMETRICS_TEXT, openMetricsCounterName, PROMETHEUS_TEXT, renderMetric, type MetricObject, type MetricObjectWithValues, type MetricValue } from './render.js';
import { noteCreated, trackRegistry, untracked } from './reported.js';
import { invalidLabelNames, isObject, validateMetricName } from './validation.js';

export type { MetricObject };

export type PrometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';
export type OpenMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export type RegistryContentType = PrometheusContentType | OpenMetricsContentType;

export const prometheusContentType: PrometheusContentType = PROMETHEUS_TEXT;
export const openMetricsContentType: OpenMetricsContentType = OPENMETRICS_TEXT;

/** What a registry holds: this layer's metrics, or any object with prom-client's metric interface. */
function isContentType(value: unknown): value is RegistryContentType {
  return value === PROMETHEUS_TEXT || value === OPENMETRICS_TEXT;
}

export class Registry<BoundRegistryContentType extends RegistryContentType = PrometheusContentType> {
  static get PROMETHEUS_CONTENT_TYPE(): PrometheusContentType {
    return PROMETHEUS_TEXT;
  }
  static get OPENMETRICS_CONTENT_TYPE(): OpenMetricsContentType {
    return OPENMETRICS_TEXT;
  }
  /** The default registry (prom-client keeps it here too); set below, after the class exists. */
  static globalRegistry: Registry<RegistryContentType>;

  #metrics = new Map<string, MetricObject>();
  #defaultLabels: Record<string, string | number> = {};
  #contentType: BoundRegistryContentType;

  constructor(contentType: BoundRegistryContentType = PROMETHEUS_TEXT as BoundRegistryContentType) {
    if (!isContentType(contentType)) throw new TypeError(`Content type ${String(contentType)} is unsupported`);
    this.#contentType = contentType;
    trackRegistry(this);
  }

  get contentType(): BoundRegistryContentType {
    return this.#contentType;
  }

  setContentType(contentType: BoundRegistryContentType): void {
    if (!isContentType(contentType)) throw new Error(`Content type ${String(contentType)} is unsupported`);
    this.#contentType = contentType;
  }

  /** Adds `metric`; the same object again is a no-op, another metric of the same name throws. */
  registerMetric(metric: MetricObject): void {
    const existing = this.#metrics.get(metric.name);
    if (existing !== undefined && existing !== metric) throw new Error(`A metric with the name ${metric.name} has already been registered.`);
    this.#metrics.set(metric.name, metric);
  }

  getSingleMetric<T extends string = string>(name: string): Metric<T> | undefined {
    return this.#metrics.get(name) as Metric<T> | undefined;
  }

  removeSingleMetric(name: string): void {
    this.#metrics.delete(name);
  }

  /** Forgets every metric and the default labels: a metric defined again under a name starts fresh. */
  clear(): void {
    this.#metrics = new Map();
    this.#defaultLabels = {};
  }

  resetMetrics(): void {
    for (const metric of this.#metrics.values()) metric.reset?.();
  }

  getMetricsAsArray(): MetricObject[] {
    return [...this.#metrics.values()];
  }

  /** Labels added to every sample that does not have them, in `metrics()` and `getMetricsAsJSON()`. */
  setDefaultLabels(labels: object): void {
    this.#defaultLabels = labels as Record<string, string | number>;
  }

  async getMetricsAsJSON(): Promise<MetricObjectWithValues[]> {
    const all = await Promise.all(this.getMetricsAsArray().map((metric) => metric.get()));
    const defaults = Object.keys(this.#defaultLabels);
    if (defaults.length > 0) {
      for (const item of all) {
        for (const value of item.values ?? []) {
          const labels: Record<string, unknown> = { ...value.labels };
          for (const key of defaults) labels[key] ??= this.#defaultLabels[key];
          (value as MetricValue).labels = labels as MetricValue['labels'];
        }
      }
    }
    return all;
  }

  /** One metric's text block (no trailing newline), in the registry's content type. */
  async getMetricsAsString(metric: MetricObject): Promise<string> {
    const openMetrics = this.#contentType === OPENMETRICS_TEXT;
    const data = await (typeof metric.getForPromString === 'function' ? metric.getForPromString() : metric.get());
    return renderMetric(data, openMetrics, this.#defaultLabels);
  }

  /** This registry's metrics, exactly as prom-client writes them. Works without promkit started. */
  async metrics(): Promise<string> {
    if (this.#contentType === OPENMETRICS_TEXT) {
      // As prom-client: an OpenMetrics registry renames its counters to the family name (without `_total`), for good.
      for (const metric of this.#metrics.values()) if (metric.type === 'counter') metric.name = openMetricsCounterName(metric.name);
    }
    const blocks = await Promise.all(this.getMetricsAsArray().map((metric) => this.getMetricsAsString(metric)));
    return joinBlocks(blocks, this.#contentType === OPENMETRICS_TEXT);
  }

  getSingleMetricAsString(name: string): Promise<string> {
    return this.getMetricsAsString(this.#metrics.get(name) as MetricObject);
  }

  /** One registry with the metrics of all of `registries` (which must share a content type). */
  static merge<T extends RegistryContentType>(registries: readonly Registry<T>[]): Registry<T> {
    const contentType = registries[0]?.contentType as T;
    for (const registry of registries) {
      if (registry.contentType !== contentType) throw new Error('Registers can only be merged if they have the same content type');
    }
    const merged = untracked(() => new Registry<T>(contentType));
    for (const registry of registries) for (const metric of registry.getMetricsAsArray()) merged.registerMetric(metric);
    return merged;
  }
}

/** The default registry, where metrics go without `registers`. */
export const register: Registry<RegistryContentType> = new Registry<RegistryContentType>();
Registry.globalRegistry = register;

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
