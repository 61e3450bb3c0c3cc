/**
 * Definitions for the user's own metrics (`orders.processed`, `queue.depth`). They follow the
 * same rules as the catalogue but have no view, so histogram buckets travel with the instrument
 * as OTel `advice.explicitBucketBoundaries` and the declared labels are the allow-list.
 */
import { BUCKET_PRESETS, type BucketPreset } from '../catalogue/buckets.js';
import { InvalidDefinitionError } from '../errors.js';
import type { FacadeKind, InstrumentSpec } from './instruments.js';
import type { ObservableGauge, ObserveCallback } from './observable.js';
import type { Counter, Gauge, Histogram, UpDownCounter } from './types.js';

/**
 * A user metric. `labels` lists every label key the metric may carry; recording with any other
 * key is refused (and fails to compile when the labels are an object literal).
 */
export interface InstrumentDefinition<L extends string = never> {
  /** Lowercase, dot-namespaced, without Prometheus suffixes: `orders.processed`, not `orders_processed_total`. */
  readonly name: string;
  /** One sentence; becomes the Prometheus `# HELP` text. */
  readonly description: string;
  /** UCUM unit (`s`, `By`, `{order}`); omit for a plain count. `s` and `By` add `_seconds`/`_bytes` to the exported name. */
  readonly unit?: string;
  readonly labels?: readonly L[];
}

/**
 * A histogram: explicit buckets (classic), a native histogram (`native: true`: OpenTelemetry's
 * base-2 exponential buckets, served to Prometheus as a native histogram), or both: a native
 * histogram with `buckets` keeps classic buckets beside the native ones, so dashboards over
 * `_bucket` series keep working.
 */
export type HistogramDefinition<L extends string = never> = InstrumentDefinition<L> &
  (
    | {
        /**
         * Explicit bucket boundaries, or the name of a preset (`'http_duration'`). Required unless
         * `native`: the SDK's defaults are millisecond-scale and wrong for seconds.
         */
        readonly buckets: readonly number[] | BucketPreset;
        /** Also record a native histogram. Default false. */
        readonly native?: boolean;
      }
    | { readonly buckets?: readonly number[] | BucketPreset; readonly native: true }
  );

/** Methods for user-defined metrics; each is get-or-create by name. */
export interface GenericInstruments {
  counter<const L extends string = never>(definition: InstrumentDefinition<L>): Counter<L>;
  upDownCounter<const L extends string = never>(definition: InstrumentDefinition<L>): UpDownCounter<L>;
  gauge<const L extends string = never>(definition: InstrumentDefinition<L>): Gauge<L>;
  /** A gauge read through `callback` at each collection; more callbacks can be added to the returned gauge. */
  observableGauge<const L extends string = never>(
    definition: InstrumentDefinition<L>,
    callback?: ObserveCallback<L>,
  ): ObservableGauge<L>;
  histogram<const L extends string = never>(definition: HistogramDefinition<L>): Histogram<L>;
}

/** Turns a user definition into the spec the core validates and memoises. */
export function genericSpec(kind: FacadeKind, definition: InstrumentDefinition<string> | HistogramDefinition<string>): InstrumentSpec {
  if (typeof definition !== 'object' || definition === null) {
    throw new InvalidDefinitionError(String(definition), 'a definition must be an object with a name and a description');
  }
  const name = definition.name;
  const labels = definition.labels ?? [];
  if (!Array.isArray(labels)) {
    throw new InvalidDefinitionError(name, `labels must be an array of label keys, got ${JSON.stringify(labels)}`);
  }
  const spec = {
    name,
    kind,
    description: definition.description,
    unit: definition.unit ?? '',
    labels,
  };
  if (kind !== 'histogram') return spec;
  const histogram = definition as { readonly buckets?: readonly number[] | string; readonly native?: unknown };
  if (histogram.native !== undefined && typeof histogram.native !== 'boolean') {
    throw new InvalidDefinitionError(name, `native must be true or false, got ${JSON.stringify(histogram.native)}`);
  }
  if (histogram.native === true) {
    const native = { ...spec, native: true };
    return histogram.buckets === undefined ? native : { ...native, boundaries: resolveBuckets(name, histogram.buckets) };
  }
  return { ...spec, boundaries: resolveBuckets(name, histogram.buckets) };
}

function resolveBuckets(name: string, buckets: readonly number[] | string | undefined): readonly number[] {
  if (buckets === undefined) {
    throw new InvalidDefinitionError(
      name,
      `histograms need buckets (an array of boundaries or a preset: ${Object.keys(BUCKET_PRESETS).join(', ')}), or native: true`,
    );
  }
  if (typeof buckets === 'string') {
    if (!Object.hasOwn(BUCKET_PRESETS, buckets)) {
      throw new InvalidDefinitionError(
        name,
        `buckets ${JSON.stringify(buckets)} is not a preset (use one of ${Object.keys(BUCKET_PRESETS).join(', ')}, or an array)`,
      );
    }
    return BUCKET_PRESETS[buckets as BucketPreset];
  }
  return buckets;
}
