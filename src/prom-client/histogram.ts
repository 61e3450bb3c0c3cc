/**
 * prom-client's `Histogram` and `Summary` over promkit's facade histogram (so values are
 * checked, refused values counted, and `labels(...)` children are bound handles). OpenTelemetry
 * has no summary: a `Summary` is exported as a histogram of the same name, so `_sum` and
 * `_count` keep their names and values and quantiles come from `histogram_quantile()` over
 * `_bucket` (docs/migrating-from-prom-client.md).
 */
import { diag, type Meter } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { FacadeHistogram } from '../record/instruments.js';
import type { BoundHistogram } from '../record/types.js';
import { currentBinding } from './bridge.js';
import { core, PROM_CLIENT_METER_NAME, type PromClientType } from './core.js';
import { checkLabels, LabelProblem, labelKey, labelsFromArguments, type LabelValues } from './labels.js';
import { registerIn, type Registry } from './registry.js';
import { splitArguments, type MetricObjectWithValues, type MetricValue } from './valued.js';

/** prom-client's default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

export interface HistogramConfiguration<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly T[];
  /** Upper bounds, default {@link DEFAULT_BUCKETS}. */
  readonly buckets?: readonly number[];
  readonly registers?: readonly Registry[];
  readonly aggregator?: string;
  readonly enableExemplars?: boolean;
  /** Runs before each collection and `get()`; may be async. */
  collect?: () => void | Promise<void>;
}

/** prom-client's summary options: the quantile options are accepted and have no effect (no client-side quantiles). */
export interface SummaryConfiguration<T extends string> extends HistogramConfiguration<T> {
  readonly percentiles?: readonly number[];
  readonly maxAgeSeconds?: number;
  readonly ageBuckets?: number;
  readonly pruneAgedBuckets?: boolean;
  readonly compressCount?: number;
}

/** What `histogram.labels(...)` returns. */
export interface HistogramChild {
  observe(value: number): void;
  startTimer(): () => number;
}

class Distribution<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  readonly #facade!: FacadeHistogram<string>;
  readonly #children = new Map<string, HistogramChild>();
  readonly #type!: PromClientType;

  constructor(type: PromClientType, configuration: HistogramConfiguration<T>) {
    const labelNames = configuration.labelNames ?? [];
    this.name = configuration.name;
    this.help = configuration.help;
    this.labelNames = labelNames;
    const buckets = configuration.buckets ?? DEFAULT_BUCKETS;
    const existing = core.define(configuration.name, configuration.help, { type, labelNames, buckets }, () => this);
    if (existing !== this) {
      registerIn(configuration.registers, existing);
      return existing as Distribution<T>;
    }
    this.#type = type;
    const spec = { name: this.name, kind: 'histogram', description: this.help, unit: '', labels: labelNames, boundaries: buckets } as const;
    this.#facade = new FacadeHistogram(spec, core.context, core.meter);
    core.track({ attach: (meter: Meter) => this.#facade.attach(meter) });
    const collect = configuration.collect;
    if (collect !== undefined) core.addCollectHook(() => collect.call(this));
    registerIn(configuration.registers, this);
  }

  /** Records `value` (seconds, bytes, ...); negative, NaN and non-numbers are dropped and counted. */
  observe(value: number): void;
  observe(labels: LabelValues<T>, value: number): void;
  observe(first: LabelValues<T> | number, second?: number): void {
    const { labels, value } = splitArguments(first, second);
    this.#facade.record(value as number, labels as never);
  }

  /** Starts a timer; `end(labels?)` observes the seconds elapsed (with both label sets) and returns them. */
  startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    const start = core.context.clock.now();
    return (endLabels) => {
      const seconds = core.context.clock.now() - start;
      this.#facade.record(seconds, (endLabels === undefined ? labels : { ...labels, ...endLabels }) as never);
      return seconds;
    };
  }

  labels(...values: Array<string | number>): HistogramChild;
  labels(labels: LabelValues<T>): HistogramChild;
  labels(...args: unknown[]): HistogramChild {
    const attributes = checkLabels(labelsFromArguments(this.labelNames, args), this.#facade.labelKeys);
    if (attributes instanceof LabelProblem) {
      core.context.drops.drop(this.name, attributes.reason, attributes.detail);
      return NOOP;
    }
    const key = labelKey(this.labelNames, attributes);
    let child = this.#children.get(key);
    if (child === undefined) {
      const bound: BoundHistogram = this.#facade.bind(attributes as never);
      child = {
        observe: (value) => bound.record(value),
        startTimer: () => {
          const start = core.context.clock.now();
          return () => {
            const seconds = core.context.clock.now() - start;
            bound.record(seconds);
            return seconds;
          };
        },
      };
      // Bounded like the series themselves; past the limit children are bound afresh each call.
      if (this.#children.size < core.context.limits.cardinality) this.#children.set(key, child);
    }
    return child;
  }

  /** Not possible in OpenTelemetry (a cumulative histogram cannot be cleared): warns once, changes nothing. */
  reset(): void {
    warnOnce(`prom-client-reset:${this.name}`, `promkit: ${this.#type} "${this.name}": reset() is not supported (an OpenTelemetry histogram cannot be cleared); values continue.`);
  }

  /** Not possible in OpenTelemetry: warns once, changes nothing; see {@link reset}. */
  remove(..._args: unknown[]): void {
    warnOnce(`prom-client-remove:${this.name}`, `promkit: ${this.#type} "${this.name}": remove() is not supported (an OpenTelemetry histogram cannot delete a series); values continue.`);
  }

  /** prom-client's shape: `_bucket` (cumulative, with `le`), `_sum` and `_count` values, from one collection. */
  async get(): Promise<MetricObjectWithValues> {
    const binding = currentBinding();
    const values = binding === undefined ? [] : histogramValues(await binding.collect(), this.name);
    return { name: this.name, help: this.help, type: this.#type, aggregator: 'sum', values };
  }
}

function histogramValues(collected: ResourceMetrics, name: string): MetricValue[] {
  const values: MetricValue[] = [];
  for (const scope of collected.scopeMetrics) {
    if (scope.scope.name !== PROM_CLIENT_METER_NAME) continue;
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name || metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      for (const point of metric.dataPoints) {
        const labels = point.attributes as Record<string, string | number>;
        const { boundaries, counts } = point.value.buckets;
        let cumulative = 0;
        for (let i = 0; i <= boundaries.length; i++) {
          cumulative += counts[i] ?? 0;
          values.push({ labels: { ...labels, le: boundaries[i] ?? '+Inf' }, value: cumulative, metricName: `${name}_bucket` });
        }
        values.push({ labels: { ...labels }, value: point.value.sum ?? 0, metricName: `${name}_sum` });
        values.push({ labels: { ...labels }, value: point.value.count, metricName: `${name}_count` });
      }
    }
  }
  return values;
}

const warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  diag.warn(message);
}

const NOOP: HistogramChild = Object.freeze({ observe: () => undefined, startTimer: () => () => 0 });

/** prom-client's `Histogram` over promkit; the name is exported exactly as given. */
export class Histogram<T extends string = string> extends Distribution<T> {
  constructor(configuration: HistogramConfiguration<T>) {
    super('histogram', configuration);
  }
}

/**
 * prom-client's `Summary`, exported as a histogram of the same name (OpenTelemetry has no
 * client-side quantiles): `_sum` and `_count` are exact, `{quantile}` series become
 * `histogram_quantile(q, rate(name_bucket[5m]))`. Pass `buckets` (a promkit addition) when the
 * values are not seconds; the default is prom-client's histogram buckets.
 */
export class Summary<T extends string = string> extends Distribution<T> {
  constructor(configuration: SummaryConfiguration<T>) {
    super('summary', configuration);
  }
}
