import { AggregationType, createAllowListAttributesProcessor, InstrumentType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { CATALOGUE } from '../catalogue/index.js';
import type { MetricDefinition } from '../catalogue/types.js';
import { checkBoundaries } from '../catalogue/validation.js';
import { InvalidDefinitionError } from '../errors.js';
import { NATIVE_HISTOGRAM_MAX_SIZE, NATIVE_HISTOGRAM_METER } from '../limits.js';
import { DEFAULT_CARDINALITY_LIMIT } from './reader.js';

/**
 * A per-metric bucket override: a full replacement list, or service-level-objective boundaries
 * merged into the catalogue's list (the way Micrometer's `serviceLevelObjectives` work).
 */
export type BucketOverride = readonly number[] | { readonly slo: readonly number[] };

/** Bucket overrides keyed by OpenTelemetry metric name (`http.server.request.duration`). */
export type BucketOverrides = Readonly<Record<string, BucketOverride>>;

export interface CatalogueViewOptions {
  readonly cardinalityLimit?: number;
  readonly buckets?: BucketOverrides;
  /** Defaults to the whole catalogue; tests pass a slice. */
  readonly catalogue?: readonly MetricDefinition[];
  /**
   * Catalogue histograms (OpenTelemetry names) recorded as native histograms as well. Their
   * explicit-bucket view is left out, because a second view on the same instrument would record
   * each measurement twice into one stream: the facade records them on two instruments instead
   * (see {@link nativeHistogramView}), the classic one with these boundaries as advice.
   */
  readonly nativeHistograms?: readonly string[];
}

/**
 * Turns the catalogue into SDK views: explicit boundaries for every histogram (so none falls
 * back to the SDK's millisecond defaults), an attribute allow-list and a cardinality limit for
 * every metric. Overrides are validated here, at start-up, never at record time.
 */
export function catalogueViews(options: CatalogueViewOptions = {}): ViewOptions[] {
  const catalogue = options.catalogue ?? CATALOGUE;
  const cardinalityLimit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  if (!Number.isInteger(cardinalityLimit) || cardinalityLimit < 1) {
    throw new InvalidDefinitionError('*', `cardinality limit ${String(cardinalityLimit)} must be a positive integer`);
  }
  const overrides = options.buckets ?? {};
  for (const name of Object.keys(overrides)) {
    const definition = catalogue.find((d) => d.name === name);
    if (!definition) throw new InvalidDefinitionError(name, 'bucket override for a metric that is not in the catalogue');
    if (definition.kind !== 'histogram') {
      throw new InvalidDefinitionError(name, `bucket override for a ${definition.kind}; only histograms have buckets`);
    }
  }
  const native = new Set(options.nativeHistograms ?? []);
  for (const name of native) {
    const definition = catalogue.find((d) => d.name === name);
    if (definition?.kind !== 'histogram') throw new InvalidDefinitionError(name, 'native histogram for a metric that is not a catalogue histogram');
  }
  const views = catalogue.filter((definition) => !native.has(definition.name)).map((definition) => viewFor(definition, cardinalityLimit, overrides[definition.name]));
  views.push(nativeHistogramView(cardinalityLimit));
  return views;
}

/**
 * Every histogram on the {@link NATIVE_HISTOGRAM_METER} meter gets OpenTelemetry's base-2
 * exponential aggregation, which Prometheus serves as a native histogram (scale = schema). Min
 * and max are not recorded: no Prometheus format has a place for them.
 */
export function nativeHistogramView(cardinalityLimit: number = DEFAULT_CARDINALITY_LIMIT): ViewOptions {
  return {
    meterName: NATIVE_HISTOGRAM_METER,
    instrumentType: InstrumentType.HISTOGRAM,
    aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: NATIVE_HISTOGRAM_MAX_SIZE, recordMinMax: false } },
    aggregationCardinalityLimit: cardinalityLimit,
  };
}

/**
 * The boundaries the classic twin of each native catalogue histogram is created with (its view
 * is left out): the catalogue's, after any bucket override.
 */
export function nativeClassicBoundaries(names: readonly string[], overrides: BucketOverrides = {}): ReadonlyMap<string, readonly number[]> {
  const boundaries = new Map<string, readonly number[]>();
  for (const name of names) {
    const definition = CATALOGUE.find((d) => d.name === name);
    if (definition?.kind === 'histogram') boundaries.set(name, resolveBoundaries(definition, overrides[name]));
  }
  return boundaries;
}

function viewFor(definition: MetricDefinition, cardinalityLimit: number, override: BucketOverride | undefined): ViewOptions {
  const view: ViewOptions = {
    instrumentName: definition.name,
    attributesProcessors: [createAllowListAttributesProcessor([...definition.attributes])],
    aggregationCardinalityLimit: cardinalityLimit,
  };
  if (definition.kind === 'histogram') {
    view.aggregation = {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: resolveBoundaries(definition, override) },
    };
  }
  return view;
}

/** The boundaries a histogram is exported with, after any override; throws on a bad override. */
export function resolveBoundaries(definition: MetricDefinition, override?: BucketOverride): number[] {
  const base = definition.boundaries ?? [];
  if (override === undefined) return [...base];
  const list = Array.isArray(override) ? override : mergeSlo(base, (override as { slo: readonly number[] }).slo, definition.name);
  const problem = checkBoundaries(list);
  if (problem) throw new InvalidDefinitionError(definition.name, `bucket override: ${problem}`);
  return [...list];
}

function mergeSlo(base: readonly number[], slo: readonly number[], name: string): number[] {
  const problem = checkBoundaries([...slo].sort((a, b) => a - b));
  if (problem) throw new InvalidDefinitionError(name, `SLO boundaries: ${problem}`);
  return [...new Set([...base, ...slo])].sort((a, b) => a - b);
}

/**
 * Every catalogue histogram's boundaries after `overrides`, by OpenTelemetry name: the same
 * lists the views give the SDK, for histograms whose cells promkit keeps itself.
 */
export function catalogueBoundaries(overrides: BucketOverrides = {}, catalogue: readonly MetricDefinition[] = CATALOGUE): Record<string, readonly number[]> {
  const boundaries: Record<string, readonly number[]> = {};
  for (const definition of catalogue) {
    if (definition.kind === 'histogram') boundaries[definition.name] = Object.freeze(resolveBoundaries(definition, overrides[definition.name]));
  }
  return boundaries;
}
