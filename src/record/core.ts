/**
 * The facade core: get-or-create instruments by name over one OTel meter, with definitions
 * checked once, here, and never again at record time. Two names that would be one Prometheus
 * name (`x.y` and `x_y`, or a name the catalogue exports) are refused here as well.
 *
 * The OpenTelemetry metrics API has no proxy provider: an instrument created on the global
 * provider before the SDK is installed stays a no-op forever. Every facade instrument therefore
 * keeps its OTel instrument in a swappable field, and {@link PromkitCore.rebind} recreates them
 * all on a new provider (promkit's `start()` calls it on the default facade).
 */
import { metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { findDefinition } from '../catalogue/index.js';
import type { MetricDefinition } from '../catalogue/types.js';
import { checkAttributeKeys, checkBoundaries, checkMetricName, checkUnit } from '../catalogue/validation.js';
import { ConflictingDefinitionError, InvalidDefinitionError } from '../errors.js';
import { DEFAULT_CARDINALITY_LIMIT, NATIVE_HISTOGRAM_METER } from '../limits.js';
import { DropRecorder } from './drops.js';
import { EXEMPLARS, type ExemplarStore } from './exemplars.js';
import { ExportedNames } from './exported-names.js';
import { genericSpec, type GenericInstruments, type HistogramDefinition, type InstrumentDefinition } from './generic.js';
import {
  FacadeCounter,
  FacadeGauge,
  FacadeHistogram,
  FacadeUpDownCounter,
  type FacadeInstrument,
  type FacadeKind,
  type InstrumentContext,
  type InstrumentSpec,
} from './instruments.js';
import { FacadeObservableGauge, type ObservableGauge, type ObserveCallback } from './observable.js';
import type { CellProducer } from './producer.js';
import type { Clock, Counter, FacadeCore, Gauge, Histogram, UpDownCounter } from './types.js';

export interface FacadeCoreOptions {
  /** Defaults to the global provider at creation time; call `rebind()` once the SDK is installed. */
  readonly meterProvider?: MeterProvider;
  readonly meterName?: string;
  /** Seconds; defaults to `performance.now() / 1000`. Tests pass a manual clock. */
  readonly clock?: Clock;
  /** Label sets per metric for bound handles; match the reader's limit. Default 2000. */
  readonly cardinalityLimit?: number;
  /** Where exemplars are kept; default the process-wide store promkit's endpoint reads. */
  readonly exemplars?: ExemplarStore;
  /** Catalogue histograms to record as native histograms too, with their classic boundaries (see `otel/views.ts`). */
  readonly nativeHistograms?: ReadonlyMap<string, readonly number[]>;
  /**
   * Reports histogram cells (bound histograms, HTTP server metrics); register it on the
   * provider's reader (`metricProducers`). Without one, histograms record through the SDK only.
   */
  readonly producer?: CellProducer;
  /** Histogram boundaries by metric name after bucket overrides, as the provider's views have them. */
  readonly buckets?: Readonly<Record<string, readonly number[]>>;
}

export interface RebindOptions {
  /** The new reader's cardinality limit, applied to bound handles. */
  readonly cardinalityLimit?: number;
  /** The new provider's native catalogue histograms (`nativeClassicBoundaries` in `otel/views.ts`). */
  readonly nativeHistograms?: ReadonlyMap<string, readonly number[]>;
  /** The producer registered on the new provider's reader (see {@link FacadeCoreOptions.producer}); none: SDK only. */
  readonly producer?: CellProducer;
  /** The new provider's histogram boundaries after bucket overrides, by metric name. */
  readonly buckets?: Readonly<Record<string, readonly number[]>>;
}

/**
 * The core plus generic instruments and provider rebinding. `counter`, `upDownCounter`, `gauge`
 * and `histogram` take a catalogue entry (domain facades) or a user definition.
 */
export interface PromkitCore
  extends FacadeCore,
    Omit<GenericInstruments, 'counter' | 'upDownCounter' | 'gauge' | 'histogram' | 'observableGauge'> {
  counter<A extends string>(definition: MetricDefinition<A>): Counter<A>;
  counter<const L extends string = never>(definition: InstrumentDefinition<L>): Counter<L>;
  upDownCounter<A extends string>(definition: MetricDefinition<A>): UpDownCounter<A>;
  upDownCounter<const L extends string = never>(definition: InstrumentDefinition<L>): UpDownCounter<L>;
  gauge<A extends string>(definition: MetricDefinition<A>): Gauge<A>;
  gauge<const L extends string = never>(definition: InstrumentDefinition<L>): Gauge<L>;
  histogram<A extends string>(definition: MetricDefinition<A>): Histogram<A>;
  histogram<const L extends string = never>(definition: HistogramDefinition<L>): Histogram<L>;
  observableGauge<A extends string>(definition: MetricDefinition<A>, callback?: ObserveCallback<A>): ObservableGauge<A>;
  /** A gauge read through `callback` at each collection; more callbacks can be added to the returned gauge. */
  observableGauge<const L extends string = never>(definition: InstrumentDefinition<L>, callback?: ObserveCallback<L>): ObservableGauge<L>;
  readonly meterName: string;
  /**
   * Recreates every instrument defined so far on `meterProvider` (default: the current global
   * provider). Instrument objects keep their identity, so references held by callers stay valid.
   */
  rebind(meterProvider?: MeterProvider, options?: RebindOptions): void;
}

export const DEFAULT_CLOCK: Clock = Object.freeze({ now: () => performance.now() / 1000 });

type AnyInstrument = FacadeInstrument<unknown>;
type Create = (spec: InstrumentSpec, context: InstrumentContext, meter: Meter) => AnyInstrument;

const CREATE: Readonly<Record<FacadeKind, Create>> = {
  counter: (s, c, m) => new FacadeCounter(s, c, m),
  updowncounter: (s, c, m) => new FacadeUpDownCounter(s, c, m),
  gauge: (s, c, m) => new FacadeGauge(s, c, m),
  histogram: (s, c, m) => new FacadeHistogram(s, c, m),
  observable_gauge: (s, c, m) => new FacadeObservableGauge(s, c, m),
};

interface Entry {
  readonly spec: InstrumentSpec;
  readonly instrument: AnyInstrument;
  /** The catalogue definition object it came from, for an identity fast path. */
  readonly source: object | undefined;
}

export function createFacadeCore(options: FacadeCoreOptions = {}): PromkitCore {
  const meterName = options.meterName ?? 'promkit';
  const clock = options.clock ?? DEFAULT_CLOCK;
  let meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(meterName);
  const drops = new DropRecorder(meter);
  const boundMeterName = `${meterName}.bound`;
  const provider = options.meterProvider ?? metrics.getMeterProvider();
  const context: InstrumentContext = {
    drops,
    clock,
    meters: { bound: provider.getMeter(boundMeterName), native: provider.getMeter(NATIVE_HISTOGRAM_METER) },
    limits: { cardinality: options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT },
    exemplars: options.exemplars ?? EXEMPLARS,
    native: { histograms: options.nativeHistograms ?? new Map() },
    meterName,
    reporting: { producer: options.producer, buckets: options.buckets ?? {} },
  };
  const entries = new Map<string, Entry>();
  const exported = new ExportedNames();

  function define(spec: InstrumentSpec, source?: object): AnyInstrument {
    const existing = entries.get(spec.name);
    if (existing !== undefined && source !== undefined && existing.source === source) return existing.instrument;
    checkSpec(spec);
    if (existing !== undefined) {
      if (!sameShape(existing.spec, spec)) throw new ConflictingDefinitionError(spec.name, display(existing.spec), display(spec));
      return existing.instrument;
    }
    const catalogued = source === undefined ? findDefinition(spec.name) : undefined;
    if (catalogued !== undefined && !sameShape(catalogueSpec(catalogued, catalogued.kind as FacadeKind), spec)) {
      throw new ConflictingDefinitionError(spec.name, catalogued, display(spec));
    }
    exported.claim(spec, display(spec));
    const instrument = CREATE[spec.kind](spec, context, meter);
    entries.set(spec.name, { spec, instrument, source });
    return instrument;
  }

  function fromCatalogue(kind: FacadeKind, method: string, definition: MetricDefinition<string>): AnyInstrument {
    if (definition.kind !== kind) {
      throw new InvalidDefinitionError(definition.name, `is a ${definition.kind}, not a ${kind}; ${method}() cannot create it`);
    }
    return define(catalogueSpec(definition, kind), definition);
  }

  /** counter, upDownCounter, gauge and histogram take a catalogue entry or a user definition. */
  const either =
    (kind: FacadeKind, method: string) =>
    (definition: MetricDefinition<string> | InstrumentDefinition<string> | HistogramDefinition<string>): AnyInstrument =>
      isCatalogue(definition) ? fromCatalogue(kind, method, definition) : define(genericSpec(kind, definition));

  // The `as never` casts narrow the memoised instrument to the label type the caller declared.
  return {
    meterName,
    clock,
    limits: context.limits,
    dropMeasurement: (metric, reason, detail) => drops.drop(metric, reason, detail),
    counter: either('counter', 'counter') as never,
    upDownCounter: either('updowncounter', 'upDownCounter') as never,
    gauge: either('gauge', 'gauge') as never,
    histogram: either('histogram', 'histogram') as never,
    observableGauge: ((definition: MetricDefinition<string> | InstrumentDefinition<string>, callback?: ObserveCallback<string>) => {
      const gauge = (
        isCatalogue(definition)
          ? fromCatalogue('observable_gauge', 'observableGauge', definition)
          : define(genericSpec('observable_gauge', definition))
      ) as FacadeObservableGauge<string>;
      if (callback !== undefined) gauge.addCallback(callback);
      return gauge;
    }) as never,
    rebind(meterProvider = metrics.getMeterProvider(), rebindOptions = {}) {
      if (rebindOptions.cardinalityLimit !== undefined) context.limits.cardinality = rebindOptions.cardinalityLimit;
      if (rebindOptions.nativeHistograms !== undefined) context.native.histograms = rebindOptions.nativeHistograms;
      context.reporting.producer = rebindOptions.producer;
      context.reporting.buckets = rebindOptions.buckets ?? {};
      meter = meterProvider.getMeter(meterName);
      context.meters.bound = meterProvider.getMeter(boundMeterName);
      context.meters.native = meterProvider.getMeter(NATIVE_HISTOGRAM_METER);
      drops.rebind(meter);
      for (const entry of entries.values()) entry.instrument.attach(meter);
    },
  };
}

/** Catalogue entries carry `kind` and `attributes`; user definitions carry neither. */
function isCatalogue(definition: unknown): definition is MetricDefinition<string> {
  return typeof definition === 'object' && definition !== null && 'kind' in definition && 'attributes' in definition;
}

function catalogueSpec(definition: MetricDefinition<string>, kind: FacadeKind): InstrumentSpec {
  const spec = {
    name: definition.name,
    kind,
    description: definition.description,
    unit: definition.unit,
    labels: definition.attributes,
  };
  return definition.boundaries === undefined ? spec : { ...spec, boundaries: definition.boundaries };
}

/** Validates once, at definition; the instruments trust their spec afterwards. */
function checkSpec(spec: InstrumentSpec): void {
  const problem =
    checkMetricName(spec.name) ??
    (typeof spec.description !== 'string' || spec.description.trim() === ''
      ? `description ${JSON.stringify(spec.description)} must be a non-empty sentence (it becomes the # HELP text)`
      : undefined) ??
    (spec.unit === '' ? undefined : checkUnit(spec.unit)) ??
    checkAttributeKeys(spec.labels) ??
    (spec.boundaries === undefined ? undefined : checkBoundaries(spec.boundaries));
  if (problem !== undefined) throw new InvalidDefinitionError(String(spec.name), problem);
}

/** Descriptions may differ (the first one is exported, as the SDK does); everything else must match. */
function sameShape(a: InstrumentSpec, b: InstrumentSpec): boolean {
  return (
    a.kind === b.kind &&
    a.unit === b.unit &&
    (a.native === true) === (b.native === true) &&
    sameList([...a.labels].sort(), [...b.labels].sort()) &&
    sameList(a.boundaries ?? [], b.boundaries ?? [])
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function display(spec: InstrumentSpec): object {
  return { ...spec, labels: [...spec.labels] };
}
