/**
 * promkit's synchronous instruments over the OpenTelemetry API.
 *
 * ## The bad-input contract
 * Metrics code must never break the code it measures, and must never poison a series.
 *
 * **Definition time throws.** A bad name, unit, label key or bucket list throws an
 * `InvalidDefinitionError` naming the metric and the offending value; defining a name again
 * with a different kind, unit, label set or buckets throws a `ConflictingDefinitionError`
 * showing both definitions. The same definition again returns the same instrument.
 *
 * **Record time never throws.** Each of these drops the measurement (nothing is exported, so
 * no `NaN` series ever appears), counts it in
 * `promkit.measurements.dropped{promkit.metric, promkit.reason}`, and warns through the
 * OpenTelemetry diag logger once per metric and reason, saying what to do:
 * - `NaN`, or a value that is not a number (`'5'`, `undefined`, `null`): reason `not_a_number`;
 * - `Infinity` or `-Infinity`, or a value that would take a counter, up-down counter or histogram
 *   `_sum` total past ±`Number.MAX_VALUE` (see `totals.ts`): reason `non_finite`;
 * - a negative counter increment or histogram value: reason `negative_increment`;
 * - a label key the metric did not declare: reason `unknown_label`;
 * - a label value that is not a string, number or boolean (`undefined`, `null`, objects):
 *   reason `invalid_label_value`;
 * - an observable-gauge callback that throws or rejects: reason `callback_error`.
 *
 * A string label value longer than {@link MAX_LABEL_VALUE_LENGTH} (256) characters is cut to
 * that length and recorded. Past the cardinality limit (2000 label sets per metric by default,
 * for the life of the process, see `series.ts`) new label sets are recorded in one
 * `otel_metric_overflow="true"` series, which stays visible in the scrape, and each such
 * measurement is counted with reason `cardinality_limit` (its value is kept, in the overflow series).
 */
import type {
  Attributes,
  Counter as OtelCounter,
  Gauge as OtelGauge,
  Histogram as OtelHistogram,
  Meter,
  MetricOptions,
  UpDownCounter as OtelUpDownCounter,
} from '@opentelemetry/api';
import type { MetricKind } from '../catalogue/types.js';
import { CellSet, CounterCell, GaugeCell, OVERFLOW_ATTRIBUTES, UpDownCounterCell, type CellKind } from './cells.js';
import type { DropCause, DropRecorder } from './drops.js';
import { captureExemplar, type ExemplarStore, type InstrumentExemplars } from './exemplars.js';
import { describeValue } from './drops.js';
import { HistogramCellSet, OTEL_DEFAULT_BOUNDARIES } from './histogram-cells.js';
import type { CellProducer, ReportedHistogram, ReportedValues } from './producer.js';
import { SeriesStore, type LabelRefusal } from './series.js';
import { EMPTY_ATTRIBUTES, LabelProblem, OVERFLOW_LABELS, resolveLabels } from './labels.js';
import { HUGE, HugeTotals } from './totals.js';
import type {
  BoundCounter,
  BoundGauge,
  BoundHistogram,
  BoundUpDownCounter,
  Clock,
  Counter,
  Gauge,
  Histogram,
  Labels,
  UpDownCounter,
} from './types.js';

export { MAX_LABEL_VALUE_LENGTH } from './labels.js';

/** The instrument kinds the facade creates: the catalogue's kinds minus observable counters. */
export type FacadeKind = Extract<MetricKind, 'counter' | 'updowncounter' | 'gauge' | 'histogram' | 'observable_gauge'>;

/** A checked definition: what the core memoises and compares. */
export interface InstrumentSpec {
  readonly name: string;
  readonly kind: FacadeKind;
  readonly description: string;
  /** UCUM unit, or `''` for none. */
  readonly unit: string;
  readonly labels: readonly string[];
  /** Classic bucket boundaries; a native histogram without them has no classic buckets. */
  readonly boundaries?: readonly number[];
  /** Also (or, without boundaries, only) a native histogram. */
  readonly native?: boolean;
}

/** What an instrument shares with its core. */
export interface InstrumentContext {
  readonly drops: DropRecorder;
  readonly clock: Clock;
  /** The meters bound handles report from and native histograms record on; the core replaces them on a rebind. */
  readonly meters: { bound: Meter; native: Meter };
  /** Label sets per metric for bound handles (the reader's cardinality limit); set on a rebind. */
  readonly limits: { cardinality: number };
  /** Where counters and histograms keep exemplars (see `exemplars.ts`). */
  readonly exemplars: ExemplarStore;
  /**
   * Catalogue histograms made native by the provider's configuration (`start({ nativeHistograms })`),
   * with the boundaries of their classic twin; set on a rebind.
   */
  readonly native: { histograms: ReadonlyMap<string, readonly number[]> };
  /** The meter (scope) name histogram cells are reported under: the facade's own. */
  readonly meterName: string;
  /**
   * What reports histogram cells (bound histograms, HTTP server metrics); set by `start()` on a
   * rebind. Without one (a facade over a caller's own provider) histograms record through the SDK.
   */
  readonly reporting: {
    producer: CellProducer | undefined;
    /** Boundaries after the user's bucket overrides, by metric name (what the catalogue views use). */
    buckets: Readonly<Record<string, readonly number[]>>;
  };
}

/** Returns why `value` cannot be recorded, without allocating. */
export function valueProblem(value: unknown, nonNegative: boolean): DropCause | undefined {
  if (typeof value !== 'number' || value !== value) return 'not_a_number';
  if (value === Infinity || value === -Infinity) return 'non_finite';
  if (nonNegative && value < 0) return 'negative_increment';
  return undefined;
}

/**
 * The OTel options of an instrument. Buckets reach the SDK on two roads, and the SDK's rule
 * decides between them: a view's explicit-bucket aggregation wins over the instrument's advice.
 * Catalogue histograms get a view (from `otel/views.ts`, with the user's bucket overrides), so
 * their advice is a fallback only a view-less provider would use; user histograms get no view,
 * so their `buckets` reach the SDK as advice alone.
 */
export function otelOptions(spec: InstrumentSpec): MetricOptions {
  return instrumentOptions(spec, spec.boundaries);
}

/** {@link otelOptions} with other boundaries: a native twin has none, a classic twin the configured ones. */
function instrumentOptions(spec: InstrumentSpec, boundaries: readonly number[] | undefined): MetricOptions {
  const options: MetricOptions = { description: spec.description };
  if (spec.unit !== '') options.unit = spec.unit;
  if (boundaries !== undefined) options.advice = { explicitBucketBoundaries: [...boundaries] };
  return options;
}

/** Shared by every facade instrument: the spec, the allowed label keys and the drop path. */
export abstract class FacadeInstrument<O> {
  readonly name: string;
  readonly labelKeys: ReadonlySet<string>;
  /** The OTel instrument; replaced by {@link attach} when the core is rebound. */
  otel!: O;

  constructor(
    readonly spec: InstrumentSpec,
    readonly context: InstrumentContext,
    meter: Meter,
  ) {
    this.name = spec.name;
    this.labelKeys = new Set(spec.labels);
    this.attach(meter);
  }

  /** (Re)creates the OTel instrument on `meter`. */
  abstract attach(meter: Meter): void;

  /** Labels to attributes, or undefined after counting the drop. */
  protected attributes(labels: unknown): Attributes | undefined {
    if (labels === undefined) return EMPTY_ATTRIBUTES;
    const attributes = resolveLabels(labels, this.labelKeys);
    if (attributes instanceof LabelProblem) {
      this.context.drops.drop(this.name, attributes.reason, attributes.detail);
      return undefined;
    }
    return attributes;
  }

  /** Counts labels refused by a cell store (see `series.ts`). */
  protected readonly refusedLabels: LabelRefusal = (reason, detail) => this.context.drops.drop(this.name, reason, detail);

  dropValue(reason: DropCause, value: unknown): void {
    this.context.drops.drop(this.name, reason, `value ${describeValue(value)}`);
  }

  /** The slow path of a bound cell: classify the refused value, then count it. A value fine on its own would overflow the total. */
  readonly refuse = (value: unknown, nonNegative: boolean, thrown = false): void => {
    if (thrown) return this.context.drops.drop(this.name, 'callback_error', `the reader threw ${describeValue(value)}`);
    this.dropValue(valueProblem(value, nonNegative) ?? 'non_finite', value);
  };

  #huge: HugeTotals | undefined;
  /** The slow path of a measurement above {@link HUGE}: false when it would take its series' total to ±Infinity. */
  protected admitHuge(value: number, attributes: Attributes): boolean {
    return (this.#huge ??= new HugeTotals()).admit(value, attributes, this.context.limits.cardinality);
  }

  /** A frozen snapshot for a bound handle, or the problem to count on each use. */
  protected bindAttributes(labels: unknown): Attributes | LabelProblem {
    if (labels === OVERFLOW_LABELS) return OVERFLOW_ATTRIBUTES;
    const attributes = resolveLabels(labels, this.labelKeys);
    return attributes instanceof LabelProblem ? attributes : Object.freeze({ ...attributes });
  }
}

/** The recorder `bind()` returns for refused labels: every call is a counted drop, never a throw. */
class RefusedRecorder implements BoundCounter, BoundUpDownCounter, BoundGauge, BoundHistogram {
  constructor(
    private readonly instrument: FacadeInstrument<unknown>,
    private readonly problem: LabelProblem,
  ) {}
  add(): void {
    this.instrument.context.drops.drop(this.instrument.name, this.problem.reason, this.problem.detail);
  }
  set(): void {
    this.add();
  }
  record(): void {
    this.add();
  }
  observe(): () => void {
    this.add();
    return () => undefined;
  }
}

/**
 * Counters, up-down counters and gauges. With a producer (what `start()` sets up) every record,
 * bound or not, lands in a cell of the instrument's {@link SeriesStore}, which the producer
 * reports. Without one (a facade over a caller's own provider) unbound records go through a
 * synchronous OTel instrument and bound handles are cells reported by an observable instrument
 * (see `cells.ts`); a later rebind onto a producer moves those cells into the store.
 */
abstract class CellBackedInstrument<O, C extends CounterCell | UpDownCounterCell | GaugeCell> extends FacadeInstrument<O> {
  #cells: CellSet<C> | undefined;
  #store: SeriesStore<C> | undefined;
  #reported: ReportedValues | undefined;
  #producer: CellProducer | undefined;
  /** The store unbound records go to, once resolved after a (re)bind; undefined: the SDK path. */
  #active: SeriesStore<C> | undefined;
  #resolved = false;
  protected abstract readonly cellKind: CellKind;
  protected abstract createOtel(meter: Meter): O;
  protected abstract createCell(attributes: Attributes): C;

  attach(meter: Meter): void {
    // The first attach runs inside the base constructor, before the private fields exist.
    const rebinding = this.otel !== undefined;
    this.otel = this.createOtel(meter);
    if (!rebinding) return;
    this.#resolved = false;
    this.#active = undefined;
    const producer = this.context.reporting.producer;
    if (producer === undefined) {
      // Reporting stopped (promkit shut down): what the store held went with the provider.
      if (this.#reported !== undefined) this.#producer?.delete(this.#reported);
      this.#producer = undefined;
      this.#store?.clear();
      this.#cells?.attach(this.context.meters.bound);
      return;
    }
    const store = this.#storeOf(producer);
    // Bound handles made before the producer existed keep their cells, now reported by the producer.
    if (this.#cells !== undefined) for (const cell of this.#cells.release()) store.adopt(cell);
  }

  #storeOf(producer: CellProducer): SeriesStore<C> {
    let store = this.#store;
    if (store === undefined) {
      store = this.#store = new SeriesStore<C>({
        keys: this.spec.labels,
        create: (attributes) => this.createCell(attributes),
        limits: this.context.limits,
        refused: this.refusedLabels,
        now: () => this.context.clock.now(),
      });
      this.#reported = {
        meterName: this.context.meterName,
        name: this.name,
        description: this.spec.description,
        unit: this.spec.unit,
        kind: this.cellKind,
        cells: store as unknown as ReportedValues['cells'],
      };
    }
    if (producer !== this.#producer) {
      if (this.#reported !== undefined) {
        this.#producer?.delete(this.#reported);
        producer.add(this.#reported);
      }
      this.#producer = producer;
    }
    return store;
  }

  /** The store for unbound records under the current producer, or undefined for the SDK path. */
  protected store(): SeriesStore<C> | undefined {
    if (this.#resolved) return this.#active;
    const producer = this.context.reporting.producer;
    this.#active = producer === undefined ? undefined : this.#storeOf(producer);
    this.#resolved = true;
    return this.#active;
  }

  protected bindCell(labels: unknown): C | RefusedRecorder {
    const attributes = this.bindAttributes(labels);
    if (attributes instanceof LabelProblem) return new RefusedRecorder(this, attributes);
    const store = this.store();
    if (store !== undefined) return store.cell(attributes);
    this.#cells ??= new CellSet(this.cellKind, this.name, otelOptions(this.spec));
    return this.#cells.cell(attributes, this.context.meters.bound, this.context.limits.cardinality, (a) => this.createCell(a));
  }
}

export class FacadeCounter<L extends string> extends CellBackedInstrument<OtelCounter, CounterCell> implements Counter<L> {
  protected readonly cellKind = 'counter';
  readonly #exemplars: InstrumentExemplars = this.context.exemplars.instrument(this.name, undefined, this.context.limits.cardinality);
  protected createOtel(meter: Meter): OtelCounter {
    return meter.createCounter(this.name, otelOptions(this.spec));
  }
  protected createCell(attributes: Attributes): CounterCell {
    return new CounterCell(attributes, this.refuse, this.#exemplars);
  }
  add(value: number = 1, labels?: Labels<L>): void {
    const store = this.store();
    if (store !== undefined) {
      // NaN, negatives and non-numbers fail `>= 0`; checked before the labels, as on the SDK path.
      if (typeof value !== 'number' || !(value >= 0) || value === Infinity) return this.dropValue(valueProblem(value, true) ?? 'non_finite', value);
      store.lookup(labels)?.add(value);
      return;
    }
    const reason = valueProblem(value, true);
    if (reason !== undefined) return this.dropValue(reason, value);
    const attributes = this.attributes(labels);
    if (attributes === undefined) return;
    if (value > HUGE && !this.admitHuge(value, attributes)) return this.dropValue('non_finite', value);
    this.otel.add(value, attributes);
    captureExemplar(this.#exemplars, attributes, value);
  }
  bind(labels: Labels<L>): BoundCounter {
    return this.bindCell(labels);
  }
}

export class FacadeUpDownCounter<L extends string> extends CellBackedInstrument<OtelUpDownCounter, UpDownCounterCell> implements UpDownCounter<L> {
  protected readonly cellKind = 'updowncounter';
  protected createOtel(meter: Meter): OtelUpDownCounter {
    return meter.createUpDownCounter(this.name, otelOptions(this.spec));
  }
  protected createCell(attributes: Attributes): UpDownCounterCell {
    return new UpDownCounterCell(attributes, this.refuse);
  }
  add(value: number, labels?: Labels<L>): void {
    const store = this.store();
    if (store !== undefined) {
      // x - x is 0 only for finite x.
      if (typeof value !== 'number' || value - value !== 0) return this.dropValue(valueProblem(value, false) ?? 'non_finite', value);
      store.lookup(labels)?.add(value);
      return;
    }
    const reason = valueProblem(value, false);
    if (reason !== undefined) return this.dropValue(reason, value);
    const attributes = this.attributes(labels);
    if (attributes === undefined) return;
    if ((value > HUGE || value < -HUGE) && !this.admitHuge(value, attributes)) return this.dropValue('non_finite', value);
    this.otel.add(value, attributes);
  }
  bind(labels: Labels<L>): BoundUpDownCounter {
    return this.bindCell(labels);
  }
}

export class FacadeGauge<L extends string> extends CellBackedInstrument<OtelGauge, GaugeCell> implements Gauge<L> {
  protected readonly cellKind = 'gauge';
  protected createOtel(meter: Meter): OtelGauge {
    return meter.createGauge(this.name, otelOptions(this.spec));
  }
  protected createCell(attributes: Attributes): GaugeCell {
    return new GaugeCell(attributes, this.refuse);
  }
  set(value: number, labels?: Labels<L>): void {
    const store = this.store();
    if (store !== undefined) {
      if (typeof value !== 'number' || value - value !== 0) return this.dropValue(valueProblem(value, false) ?? 'non_finite', value);
      store.lookup(labels)?.set(value);
      return;
    }
    const reason = valueProblem(value, false);
    if (reason !== undefined) return this.dropValue(reason, value);
    const attributes = this.attributes(labels);
    if (attributes !== undefined) this.otel.record(value, attributes);
  }
  bind(labels: Labels<L>): BoundGauge {
    return this.bindCell(labels);
  }
}

/**
 * Negative values are refused here: OTel histograms only aggregate non-negative measurements.
 *
 * A native histogram records on two OTel instruments when it keeps classic buckets: the classic
 * one on the facade's meter (buckets as advice) and its native twin on the native meter, whose
 * view aggregates it exponentially. Both streams have the instrument's name; the exposition
 * joins them into one family. Without classic buckets only the native instrument exists.
 *
 * Records, bound or not, are cells (see `histogram-cells.ts`) when a producer reports them,
 * which is what `start()` sets up, except for native histograms, whose exponential buckets only
 * the SDK keeps (the reader caps those, see `otel/reader.ts`). Without a producer, records go
 * through the SDK.
 */
export class FacadeHistogram<L extends string> extends FacadeInstrument<OtelHistogram> implements Histogram<L> {
  // Set by attach(), which the base constructor calls: `declare` keeps field initialisation from resetting them.
  /** The native twin when the histogram keeps classic buckets too. */
  private declare twin: OtelHistogram | undefined;
  private declare exemplars: InstrumentExemplars | undefined;
  private declare native: boolean;
  #reported: ReportedHistogram | undefined;
  #producer: CellProducer | undefined;
  /** The cells unbound records go to, once resolved after a (re)bind; undefined: the SDK path. */
  #active: HistogramCellSet | undefined;
  #resolved = false;

  attach(meter: Meter): void {
    // The first attach runs inside the base constructor, before the private fields exist.
    const rebinding = this.otel !== undefined;
    const configured = this.context.native.histograms.get(this.name);
    const native = (this.native = this.spec.native === true || configured !== undefined);
    const boundaries = configured ?? this.spec.boundaries;
    this.exemplars ??= this.context.exemplars.instrument(this.name, boundaries, this.context.limits.cardinality);
    if (!native) {
      this.otel = meter.createHistogram(this.name, otelOptions(this.spec));
      this.twin = undefined;
    } else {
      const nativeOtel = this.context.meters.native.createHistogram(this.name, instrumentOptions(this.spec, undefined));
      this.otel = boundaries === undefined ? nativeOtel : meter.createHistogram(this.name, instrumentOptions(this.spec, boundaries));
      this.twin = boundaries === undefined ? undefined : nativeOtel;
    }
    // Cells (and their values) carry over a rebind; they move to the new producer.
    if (!rebinding) return;
    this.#resolved = false;
    this.#active = undefined;
    const producer = this.context.reporting.producer;
    if (this.#reported !== undefined && producer !== this.#producer) {
      this.#producer?.delete(this.#reported);
      producer?.add(this.#reported);
      this.#producer = producer;
      // Reporting stopped (promkit shut down): what the cells held went with the provider.
      if (producer === undefined) this.#reported.cells.clear();
    }
  }

  /**
   * This histogram's cells, made on first use with the boundaries its view would have; undefined
   * when no producer would report them, or for a native histogram (whose exponential buckets only
   * the SDK keeps): then the SDK path is the only one.
   */
  cells(): HistogramCellSet | undefined {
    const producer = this.context.reporting.producer;
    if (producer === undefined || this.native) return undefined;
    if (this.#reported === undefined) {
      const boundaries = this.context.reporting.buckets[this.name] ?? this.spec.boundaries ?? OTEL_DEFAULT_BOUNDARIES;
      this.#reported = {
        meterName: this.context.meterName,
        name: this.name,
        description: this.spec.description,
        unit: this.spec.unit,
        cells: new HistogramCellSet(Object.freeze([...boundaries]), this.refuse, this.context.limits, this.exemplars, {
          keys: this.spec.labels,
          refused: this.refusedLabels,
          now: () => this.context.clock.now(),
        }),
      };
      producer.add(this.#reported);
      this.#producer = producer;
    }
    return this.#reported.cells;
  }

  record(value: number, labels?: Labels<L>): void {
    let cells = this.#active;
    if (!this.#resolved) {
      cells = this.#active = this.cells();
      this.#resolved = true;
    }
    if (cells !== undefined) {
      if (typeof value !== 'number' || !(value >= 0) || value === Infinity) return this.dropValue(valueProblem(value, true) ?? 'non_finite', value);
      cells.lookup(labels)?.record(value);
      return;
    }
    const reason = valueProblem(value, true);
    if (reason !== undefined) return this.dropValue(reason, value);
    const attributes = this.attributes(labels);
    if (attributes === undefined) return;
    // The `_sum` is the total that could overflow.
    if (value > HUGE && !this.admitHuge(value, attributes)) return this.dropValue('non_finite', value);
    this.otel.record(value, attributes);
    this.twin?.record(value, attributes);
    captureExemplar(this.exemplars, attributes, value);
  }

  bind(labels: Labels<L>): BoundHistogram {
    const attributes = this.bindAttributes(labels);
    if (attributes instanceof LabelProblem) return new RefusedRecorder(this, attributes);
    const cells = this.cells();
    if (cells !== undefined) return cells.cell(attributes);
    return {
      record: (value: number): void => {
        const reason = valueProblem(value, true);
        if (reason !== undefined) return this.dropValue(reason, value);
        if (value > HUGE && !this.admitHuge(value, attributes)) return this.dropValue('non_finite', value);
        this.otel.record(value, attributes);
        this.twin?.record(value, attributes);
        captureExemplar(this.exemplars, attributes, value);
      },
    };
  }
}
