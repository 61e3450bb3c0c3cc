/**
 * Counter, up-down counter and gauge cells: each owns the value of one label set. Under a
 * producer (what `start()` sets up) every record, bound or not, lands in a cell of the metric's
 * store (see `series.ts`), which the producer reports (see `producer.ts`). A bound `add` is then
 * one type check and one addition (no attribute hashing, no map lookup).
 *
 * Without a producer (a facade over a caller's own provider), bound handles are cells reported
 * through one observable instrument per metric ({@link CellSet}). Semantics of that path:
 * - an `ObservableCounter` reports the cumulative sum exactly as a `Counter` would;
 * - a bound gauge that was never `set` reports nothing (not 0);
 * - cells are reported from a second meter (`<meterName>.bound`), so the SDK does not see two
 *   instruments of different kinds under one name; promkit's exposition merges both into one
 *   family (values of identical label sets add up), and `scopeLabels: true` shows them apart;
 * - a cell lives as long as the instrument (bind a fixed label set once, keep the handle), and
 *   binding the same labels again returns the same cell;
 * - past `limit - 1` label sets a bind returns the shared `otel.metric.overflow=true` cell, so
 *   overflowing counts add up.
 */
import type { Attributes, HrTime, Meter, MetricOptions, Observable, ObservableResult } from '@opentelemetry/api';
import type { MetricKind } from '../catalogue/types.js';
import { captureExemplar, type InstrumentExemplars } from './exemplars.js';
import { hrNow } from './hr-time.js';
import { canonicalKey } from './labels.js';
import { OVERFLOW_ATTRIBUTES } from './overflow.js';
import type { SeriesStore, StoredCell } from './series.js';
import type { BoundCounter, BoundGauge, BoundUpDownCounter } from './types.js';

export { OVERFLOW_ATTRIBUTES };

/**
 * What a cell keeps for its store (see `series.ts`): the idle flag a write clears, and the way
 * back into the store after it expired. A cell made outside a store never becomes idle.
 */
abstract class Stored {
  idle = false;
  owner: SeriesStore<StoredCell> | undefined = undefined;
  home: SeriesStore<StoredCell> | undefined = undefined;
  seen = 0;
  /** When the series started: the cell's creation, or its re-admission after expiry. */
  startTime: HrTime = hrNow();
  /** The slow path of the first write after a sweep: note it, and come back if the cell had expired. */
  protected wake(): void {
    this.idle = false;
    if (this.owner === undefined) this.home?.readmit(this as unknown as StoredCell);
  }
}

/** Called with the refused value (or what a gauge's reader threw); the instrument counts and warns. */
type Refuse = (value: unknown, nonNegative: boolean, thrown?: boolean) => void;

export class CounterCell extends Stored implements BoundCounter, StoredCell {
  value = 0;
  constructor(
    readonly attributes: Attributes,
    private readonly refuse: Refuse,
    private readonly exemplars?: InstrumentExemplars,
  ) {
    super();
  }
  add(value: number = 1): void {
    // Refuses NaN (comparisons are false), negatives and non-numbers, then an Infinity value or a
    // total that would overflow to Infinity (the total is exported, so it must stay finite).
    if (typeof value === 'number' && value >= 0) {
      const total = this.value + value;
      if (total !== Infinity) {
        this.value = total;
        if (this.idle) this.wake();
        captureExemplar(this.exemplars, this.attributes, value);
        return;
      }
    }
    this.refuse(value, true);
  }
  reset(): void {
    this.value = 0;
    this.startTime = hrNow();
  }
  moveInto(other: StoredCell): void {
    (other as CounterCell).value += this.value;
    this.reset();
  }
}

export class UpDownCounterCell extends Stored implements BoundUpDownCounter, StoredCell {
  value = 0;
  constructor(
    readonly attributes: Attributes,
    private readonly refuse: Refuse,
  ) {
    super();
  }
  add(value: number): void {
    if (typeof value === 'number') {
      const total = this.value + value;
      // x - x is 0 only for finite x: refuses NaN, ±Infinity and a total that would overflow.
      if (total - total === 0) {
        this.value = total;
        if (this.idle) this.wake();
        return;
      }
    }
    this.refuse(value, false);
  }
  reset(): void {
    this.value = 0;
    this.startTime = hrNow();
  }
  moveInto(other: StoredCell): void {
    (other as UpDownCounterCell).value += this.value;
    this.reset();
  }
}

export class GaugeCell extends Stored implements BoundGauge, StoredCell {
  /** NaN until the first `set`: an unset gauge is not reported. */
  value = Number.NaN;
  /** While set, the value is read from here at collection (see {@link BoundGauge.observe}). */
  #read: (() => number) | undefined;
  constructor(
    readonly attributes: Attributes,
    private readonly refuse: Refuse,
  ) {
    super();
  }
  set(value: number): void {
    if (typeof value === 'number' && value - value === 0) {
      this.value = value;
      if (this.idle) this.wake();
    } else this.refuse(value, false);
  }
  observe(read: () => number): () => void {
    // A gauge read at each collection is written at each collection: it never goes idle.
    if (this.idle) this.wake();
    this.#read = read;
    return () => {
      if (this.#read === read) this.#read = undefined;
    };
  }
  /** Called at collection: refreshes `value` from the reader, if any; a bad reading is refused and skipped. */
  refresh(): void {
    const read = this.#read;
    if (read === undefined) return;
    this.value = Number.NaN;
    let value: unknown;
    try {
      value = read();
    } catch (error) {
      return this.refuse(error, false, true);
    }
    if (typeof value === 'number' && value - value === 0) {
      this.value = value;
      this.idle = false;
    } else this.refuse(value, false);
  }
  reset(): void {
    this.value = Number.NaN;
    this.#read = undefined;
    this.startTime = hrNow();
  }
  moveInto(other: StoredCell): void {
    if (this.value === this.value) (other as GaugeCell).value = this.value;
    this.reset();
  }
}

type Cell = CounterCell | UpDownCounterCell | GaugeCell;
/** The catalogue kinds a bound handle can be (histograms bind without cells). */
export type CellKind = Extract<MetricKind, 'counter' | 'updowncounter' | 'gauge'>;

/** The cells of one metric and the observable instrument that reports them. */
export class CellSet<C extends Cell> {
  readonly #cells = new Map<string, C>();
  #observable: Observable | undefined;
  #meter: Meter | undefined;
  readonly #report = (result: ObservableResult): void => {
    for (const cell of this.#cells.values()) {
      if (cell instanceof GaugeCell) cell.refresh();
      if (cell.value === cell.value) result.observe(cell.value, cell.attributes);
    }
  };

  constructor(
    private readonly kind: CellKind,
    private readonly name: string,
    private readonly options: MetricOptions,
  ) {}

  /** The cell for `attributes` (one per distinct label set), creating it on first use. */
  cell(attributes: Attributes, meter: Meter, limit: number, create: (attributes: Attributes) => C): C {
    // The overflow attributes themselves (a handle bound past a name limit) go straight to the overflow cell.
    let key = attributes === OVERFLOW_ATTRIBUTES ? OVERFLOW_KEY : canonicalKey(attributes);
    let cell = this.#cells.get(key);
    if (cell !== undefined) return cell;
    if (key !== OVERFLOW_KEY && this.#cells.size >= limit - 1) {
      key = OVERFLOW_KEY;
      attributes = OVERFLOW_ATTRIBUTES;
      cell = this.#cells.get(key);
      if (cell !== undefined) return cell;
    }
    cell = create(attributes);
    this.#cells.set(key, cell);
    if (this.#observable === undefined) this.attach(meter);
    return cell;
  }

  /** Stops reporting and hands the cells over (to a store reported by a producer); the set is empty afterwards. */
  release(): C[] {
    this.#observable?.removeCallback(this.#report);
    this.#observable = undefined;
    this.#meter = undefined;
    const cells = [...this.#cells.values()];
    this.#cells.clear();
    return cells;
  }

  /** (Re)creates the observable instrument on `meter`; values carry over a rebind. */
  attach(meter: Meter): void {
    if (this.#cells.size === 0 || meter === this.#meter) return;
    this.#observable?.removeCallback(this.#report);
    this.#meter = meter;
    this.#observable =
      this.kind === 'counter'
        ? meter.createObservableCounter(this.name, this.options)
        : this.kind === 'updowncounter'
          ? meter.createObservableUpDownCounter(this.name, this.options)
          : meter.createObservableGauge(this.name, this.options);
    this.#observable.addCallback(this.#report);
  }
}
/** Not a possible canonical key (those are JSON arrays), so no label set can collide with it. */
const OVERFLOW_KEY = 'overflow';
