/**
 * The contract of promkit's instruments: what every facade metric looks like to its callers.
 * Recording methods never throw: a bad value or label is dropped, counted in
 * `promkit.measurements.dropped{reason}` and warned once per metric and reason.
 */

/** A label value as accepted at record time; numbers and booleans are stringified by the exporter. */
export type LabelValue = string | number | boolean;

/**
 * Labels for a metric that declares the keys `L`. Wrong keys fail to compile on object literals;
 * a metric that declares no labels accepts only `{}`.
 */
export type Labels<L extends string> = [L] extends [never] ? { readonly [key: string]: never } : { readonly [K in L]?: LabelValue };

/** Why a measurement was dropped: the `reason` attribute of `promkit.measurements.dropped`. */
export const DROP_REASONS = [
  'not_a_number',
  'non_finite',
  'negative_increment',
  'unknown_label',
  'invalid_label_value',
  /** An observable callback threw or rejected; its observations for that collection are lost. */
  'callback_error',
  /** An observable callback had not finished at the collection deadline; it is skipped for that collection. */
  'callback_timeout',
  /** `llm.trackStream` was given something that is not an async iterable: nothing is timed. */
  'not_iterable',
  /**
   * A point left out of a scrape because its metric has the Prometheus name of another one
   * (instruments created through the raw OTel API; the facade refuses such names at definition).
   */
  'name_collision',
  /**
   * The label set was new and its metric already had `cardinalityLimit` label sets (for the life
   * of the process). Counted per measurement; its value is not lost but recorded in the
   * `otel_metric_overflow="true"` series, so totals stay exact.
   */
  'cardinality_limit',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** A monotonic sum. `add` ignores (and counts) negative, NaN and infinite increments. */
export interface Counter<L extends string = string> {
  readonly name: string;
  add(value?: number, labels?: Labels<L>): void;
  /** Resolve and check `labels` once; the returned recorder is for the hot path. */
  bind(labels: Labels<L>): BoundCounter;
}
export interface BoundCounter {
  add(value?: number): void;
}

/** A sum that goes up and down (in-flight requests, pool connections). */
export interface UpDownCounter<L extends string = string> {
  readonly name: string;
  add(value: number, labels?: Labels<L>): void;
  bind(labels: Labels<L>): BoundUpDownCounter;
}
export interface BoundUpDownCounter {
  add(value: number): void;
}

/** A value that is set, not summed (queue depth, cache size). The last value set wins. */
export interface Gauge<L extends string = string> {
  readonly name: string;
  set(value: number, labels?: Labels<L>): void;
  bind(labels: Labels<L>): BoundGauge;
}
export interface BoundGauge {
  set(value: number): void;
  /**
   * Reports `read()` at each collection instead of the last `set`, until the returned function
   * is called (the last value read then stands until the next `set`). A `read` that throws or
   * returns a bad value is counted as a drop in that collection and reports nothing, never a
   * failed scrape.
   */
  observe(read: () => number): () => void;
}

/** A distribution over explicit buckets (latency, sizes). */
export interface Histogram<L extends string = string> {
  readonly name: string;
  record(value: number, labels?: Labels<L>): void;
  bind(labels: Labels<L>): BoundHistogram;
}
export interface BoundHistogram {
  record(value: number): void;
}

/** Monotonic clock in seconds; injectable so tests control time instead of sleeping. */
export interface Clock {
  now(): number;
}

/**
 * What the domain facades (HTTP, LLM, cache, DB, circuit breaker) are built on: instruments for
 * catalogue definitions, memoised by name, with the bad-input contract already applied.
 */
export interface FacadeCore {
  counter<A extends string>(definition: import('../catalogue/types.js').MetricDefinition<A>): Counter<A>;
  upDownCounter<A extends string>(definition: import('../catalogue/types.js').MetricDefinition<A>): UpDownCounter<A>;
  gauge<A extends string>(definition: import('../catalogue/types.js').MetricDefinition<A>): Gauge<A>;
  histogram<A extends string>(definition: import('../catalogue/types.js').MetricDefinition<A>): Histogram<A>;
  /** A catalogue `observable_gauge`: its value is read through callbacks at each collection. */
  observableGauge<A extends string>(
    definition: import('../catalogue/types.js').MetricDefinition<A>,
    callback?: ObserveCallback<A>,
  ): ObservableGauge<A>;
  readonly clock: Clock;
  /** The cardinality limit in force (label sets per metric): handles memoised by name are bounded by it. */
  readonly limits: { readonly cardinality: number };
  /**
   * Counts (and warns once about) a measurement a domain facade refused before it reached an
   * instrument, such as an unknown breaker state; `metric` is the OTel name it was meant for.
   */
  dropMeasurement(metric: string, reason: DropReason, detail: string | (() => string)): void;
}

/** What a callback reports through: one `observe` per label set. */
export interface ObserveResult<L extends string> {
  observe(value: number, labels?: Labels<L>): void;
}

export type ObserveCallback<L extends string> = (result: ObserveResult<L>) => void | Promise<void>;

/** A gauge whose values come from callbacks, read at each collection. */
export interface ObservableGauge<L extends string = string> {
  readonly name: string;
  /** Adds a callback; returns a function that removes it again. */
  addCallback(callback: ObserveCallback<L>): () => void;
}
