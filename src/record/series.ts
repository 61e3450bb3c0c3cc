/**
 * The series of one metric: its cells (see `cells.ts`, `histogram-cells.ts`), found by label
 * values, capped for the life of the process, and optionally expired when idle.
 *
 * **Lookup.** An unbound `add(value, labels)` reads the labels once into a scratch array in the
 * metric's declared label order (checking keys and value types exactly as `resolveLabels` does),
 * then walks one `Map` level per declared label, keyed by the raw value (a missing label is the
 * {@link MISSING} key). A hit allocates nothing. On a miss the values are normalised to what the
 * exporter shows (`String(value)`, long strings cut): `1`, `'1'` and a second spelling of one
 * label set find the same cell, so two cells never export the same series. Raw paths are cached
 * only for admitted cells and never for cut strings, so the cache holds at most three spellings
 * (string, number, boolean) per value of each admitted series.
 *
 * **The cap.** At most `limit - 1` label sets are ever admitted, plus the one
 * `otel_metric_overflow="true"` cell, for the life of the process (or until idle series expire).
 * A label set refused by the cap records into the overflow cell, so totals stay exact, and each
 * such measurement is counted as `cardinality_limit` in `promkit.measurements.dropped`; the first
 * one per metric warns, naming the label with the most distinct values.
 *
 * **Idle series.** With a series TTL, each collection {@link sweep}s: a cell not written since
 * the previous sweep and idle for the TTL is removed (from the scrape and from memory) and reset.
 * A write does not read a clock: it clears the cell's `idle` flag, and the sweep notes the time.
 * A bound handle whose cell expired keeps working: its next write re-admits the cell (as a new
 * series starting from that write), or moves the write into the overflow cell when the metric is full.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { hrNow } from './hr-time.js';
import { OVERFLOW_ATTRIBUTES } from './overflow.js';
import { describeValue } from './drops.js';
import { MAX_LABEL_VALUE_LENGTH } from './labels.js';

/** The map key of a label the call left out. */
export const MISSING: unique symbol = Symbol('missing label');

/** What every stored cell carries for its store: see the module comment. */
export interface StoredCell {
  readonly attributes: Attributes;
  /** Set by a sweep, cleared by the next write. */
  idle: boolean;
  /** The store while the cell is admitted; undefined once it expired (or before it is admitted). */
  owner: SeriesStore<StoredCell> | undefined;
  /** The store that made the cell, kept after expiry so that a write can re-admit it. */
  home: SeriesStore<StoredCell> | undefined;
  /** Clock seconds of the last sweep that saw a write. */
  seen: number;
  /** When the series started (cumulative temporality). */
  startTime: HrTime;
  /** Back to no data, as a new series. */
  reset(): void;
  /** Adds this cell's data to `other` (same kind), then resets. */
  moveInto(other: StoredCell): void;
}

/** Why a call's labels were refused; the store's owner counts it. */
export type LabelRefusal = (reason: 'unknown_label' | 'invalid_label_value' | 'cardinality_limit', detail: () => string) => void;

export interface SeriesStoreOptions<C> {
  /** The metric's declared label keys, in declared order. */
  readonly keys: readonly string[];
  readonly create: (attributes: Attributes) => C;
  /** Label sets allowed before the overflow cell (the reader's cardinality limit); read on each new set. */
  readonly limits: { readonly cardinality: number };
  readonly refused: LabelRefusal;
  /** Clock seconds, read by sweeps only. */
  readonly now: () => number;
  /**
   * The key of checked attributes when the store has no declared keys to order them by (cells
   * made from attributes only); default: the declared-order key {@link lookup} uses.
   */
  readonly keyOf?: (attributes: Attributes) => string;
}

type Node = Map<unknown, unknown>;

export class SeriesStore<C extends StoredCell> {
  /** Admitted cells and the overflow cell, in admission order: what a collection reports. */
  cells: C[] = [];
  /** Changes whenever cells leave the store (expiry, clear): indexes of cells kept elsewhere are stale then. */
  generation = 0;
  readonly keys: readonly string[];
  readonly #byKey = new Map<string, C>();
  #tree: Node = new Map();
  #overflow: C | undefined;
  readonly #values: unknown[];
  readonly #options: SeriesStoreOptions<C>;

  constructor(options: SeriesStoreOptions<C>) {
    this.#options = options;
    // An unfrozen copy: catalogue label lists are frozen, and a frozen array's keyed loads are generic.
    this.keys = Array.from(options.keys);
    this.#values = new Array<unknown>(options.keys.length).fill(MISSING);
  }

  /** Admitted label sets (the overflow cell not included). */
  get size(): number {
    return this.#byKey.size;
  }

  /** True once a new label set would go to the overflow cell. */
  get full(): boolean {
    return this.#byKey.size >= this.#options.limits.cardinality - 1;
  }

  /**
   * The cell of a call's `labels` (an object of declared keys), or undefined after counting why
   * they were refused. Allocation-free for a label set seen before.
   */
  lookup(labels: unknown): C | undefined {
    const keys = this.keys;
    const n = keys.length;
    const values = this.#values;
    for (let i = 0; i < n; i++) values[i] = MISSING;
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object') {
        this.#options.refused('invalid_label_value', () => `labels must be an object, got ${describeValue(labels)}`);
        return undefined;
      }
      const record = labels as Record<string, unknown>;
      for (const key in record) {
        let i = 0;
        while (i < n && keys[i] !== key) i++;
        if (i === n) {
          this.#options.refused('unknown_label', () => unknownLabel(key, keys));
          return undefined;
        }
        const value = record[key];
        const type = typeof value;
        if (type !== 'string' && type !== 'number' && type !== 'boolean') {
          this.#options.refused('invalid_label_value', () => `label "${key}" has ${describeValue(value)}`);
          return undefined;
        }
        values[i] = value;
      }
    }
    let node: unknown = this.#tree;
    for (let i = 0; i < n; i++) {
      node = (node as Node).get(values[i]);
      if (node === undefined) return this.#miss(values);
    }
    return n === 0 ? this.#miss(values) : (node as C);
  }

  /** The cell of checked attributes (a bound handle); the overflow attributes give the overflow cell. */
  cell(attributes: Attributes): C {
    if (attributes === OVERFLOW_ATTRIBUTES) return this.overflow();
    return this.#find(this.#keyOf(attributes), attributes);
  }

  #keyOf(attributes: Attributes): string {
    const keyOf = this.#options.keyOf;
    return keyOf !== undefined ? keyOf(attributes) : canonical(this.keys.map((key) => (key in attributes ? attributes[key] : MISSING)));
  }

  /** The shared `otel.metric.overflow=true` cell. */
  overflow(): C {
    let cell = this.#overflow;
    if (cell === undefined) {
      cell = this.#overflow = this.#options.create(OVERFLOW_ATTRIBUTES);
      this.#admit(cell);
      this.cells.push(cell);
    }
    return cell;
  }

  /** Takes over a cell made elsewhere (a bound handle made before this store existed). */
  adopt(cell: C): void {
    if (cell.attributes === OVERFLOW_ATTRIBUTES) {
      const overflow = this.overflow();
      cell.home = this as SeriesStore<StoredCell>;
      cell.moveInto(overflow);
      cell.idle = true;
      return;
    }
    cell.home = this as SeriesStore<StoredCell>;
    this.readmit(cell, false);
  }

  #miss(values: readonly unknown[]): C {
    const cell = this.#find(canonical(values), values);
    if (cell !== this.#overflow) this.#cache(values, cell);
    return cell;
  }

  /** The cell of `key`, admitted from `from` (checked attributes, or declared-order values) when new and the cap allows. */
  #find(key: string, from: Attributes | readonly unknown[]): C {
    let cell = this.#byKey.get(key);
    if (cell === undefined) {
      if (this.full) {
        this.#refuseByCap();
        return this.overflow();
      }
      cell = this.#options.create(
        Array.isArray(from) ? attributesOf(this.keys, from) : Object.isFrozen(from) ? (from as Attributes) : Object.freeze({ ...(from as Attributes) }),
      );
      this.#admit(cell);
      this.#byKey.set(key, cell);
      this.cells.push(cell);
    }
    return cell;
  }

  #admit(cell: C): void {
    cell.owner = cell.home = this as SeriesStore<StoredCell>;
    cell.idle = false;
    cell.seen = this.#options.now();
  }

  /** Caches the raw path of an admitted cell; never for a cut string, so long values cannot grow the cache. */
  #cache(values: readonly unknown[], cell: C): void {
    const n = values.length;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (typeof value === 'string' && value.length > MAX_LABEL_VALUE_LENGTH) return;
    }
    let node = this.#tree;
    for (let i = 0; i < n - 1; i++) {
      let next = node.get(values[i]) as Node | undefined;
      if (next === undefined) node.set(values[i], (next = new Map()));
      node = next;
    }
    node.set(values[n - 1], cell);
  }

  #refuseByCap(): void {
    this.#options.refused('cardinality_limit', () => {
      const churn = this.#churningLabel();
      return (
        `the metric already has ${this.#byKey.size} label sets (cardinality limit ${this.#options.limits.cardinality}); new label sets are recorded in the otel_metric_overflow="true" series` +
        (churn === undefined ? '' : `; label "${churn.key}" has the most distinct values (${churn.count})`)
      );
    });
  }

  /** The declared label with the most distinct values among admitted cells: the one to fix. */
  #churningLabel(): { key: string; count: number } | undefined {
    let best: { key: string; count: number } | undefined;
    for (const key of this.keys) {
      const distinct = new Set<unknown>();
      for (const cell of this.#byKey.values()) distinct.add(cell.attributes[key]);
      if (best === undefined || distinct.size > best.count) best = { key, count: distinct.size };
    }
    return best;
  }

  /**
   * A write to an expired cell (a bound handle kept by the caller): admits it again as a new
   * series, or, when the metric is full or its label set came back as another cell, moves the
   * write there and leaves the cell idle, so its next write comes back here.
   */
  readmit(cell: C, reset = true): void {
    if (cell.attributes === OVERFLOW_ATTRIBUTES) {
      // The overflow cell has no label set of its own: it comes back as the overflow cell, or into the one there is now.
      if (this.#overflow !== undefined && this.#overflow !== cell) {
        cell.moveInto(this.#overflow);
        cell.idle = true;
        return;
      }
      if (reset) cell.startTime = hrNow();
      this.#overflow = cell;
      this.#admit(cell);
      this.cells.push(cell);
      return;
    }
    const key = this.#keyOf(cell.attributes);
    const existing = this.#byKey.get(key);
    const target = existing ?? (this.full ? this.overflow() : undefined);
    if (target !== undefined) {
      if (existing === undefined) this.#refuseByCap();
      cell.moveInto(target);
      cell.idle = true;
      return;
    }
    if (reset) cell.startTime = hrNow();
    this.#admit(cell);
    this.#byKey.set(key, cell);
    this.cells.push(cell);
  }

  /**
   * Empties the store, as when its reporting stops (promkit shut down): every cell is reset and
   * removed; a bound handle's next write re-admits its cell as a new series.
   */
  clear(): void {
    for (const cell of this.cells) {
      cell.owner = undefined;
      cell.reset();
      cell.idle = true;
    }
    this.cells = [];
    this.generation++;
    this.#byKey.clear();
    this.#overflow = undefined;
    this.#tree = new Map();
  }

  /**
   * Removes cells idle for `ttl` seconds or more (see the module comment). Returns how many expired.
   * Call at collection, before reporting.
   */
  sweep(ttl: number): number {
    const now = this.#options.now();
    let expired = 0;
    for (const cell of this.cells) {
      if (!cell.idle) {
        cell.seen = now;
        cell.idle = true;
      } else if (now - cell.seen >= ttl) {
        cell.owner = undefined;
        cell.reset();
        expired++;
      }
    }
    if (expired === 0) return 0;
    this.generation++;
    this.cells = this.cells.filter((cell) => cell.owner !== undefined);
    for (const [key, cell] of this.#byKey) if (cell.owner === undefined) this.#byKey.delete(key);
    if (this.#overflow !== undefined && this.#overflow.owner === undefined) this.#overflow = undefined;
    // Cached paths may lead to expired cells: the cache refills on the next misses.
    this.#tree = new Map();
    return expired;
  }
}

/** The one key per exported label set: values as the exporter writes them, in declared order. */
function canonical(values: readonly unknown[]): string {
  let key = '';
  for (const value of values) key += value === MISSING ? '\u0000|' : `${JSON.stringify(normalise(value))}|`;
  return key;
}

function normalise(value: unknown): string {
  const text = String(value);
  return text.length > MAX_LABEL_VALUE_LENGTH ? text.slice(0, MAX_LABEL_VALUE_LENGTH) : text;
}

/** The attributes a new cell exports: declared keys in declared order, first-seen values, long strings cut. */
function attributesOf(keys: readonly string[], values: readonly unknown[]): Attributes {
  const attributes: Record<string, string | number | boolean> = {};
  for (let i = 0; i < keys.length; i++) {
    const value = values[i];
    if (value === MISSING) continue;
    attributes[keys[i] as string] =
      typeof value === 'string' && value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : (value as string | number | boolean);
  }
  return Object.freeze(attributes);
}

function unknownLabel(key: string, keys: readonly string[]): string {
  const declared = keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ');
  return `label "${key}" is not declared (declared: ${declared})`;
}
