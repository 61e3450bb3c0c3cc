/**
 * The series of one metric by label set, in creation order (the order prom-client writes them).
 * A label set is found through one map level per declared label, in sorted label-name order, so
 * `{ a, b }` and `{ b, a }` are one series, an absent label reads as `''` and a number as its
 * string, as in prom-client; an empty label object is the series without labels. A lookup builds
 * no key: no string concatenation, sort or JSON per call.
 */
import { unknownLabelError, type Labels } from './validation.js';

/** What every stored series carries. `live` turns false when the series is removed or reset. */
export interface Series {
  readonly labels: Labels;
  live: boolean;
}

type Level<S> = Map<string, Level<S> | S>;

/** A label value as prom-client's key reads it: `undefined` and `null` as '', anything else as its string. */
function part(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

export class SeriesMap<S extends Series> {
  readonly #root: Level<S> = new Map();
  /** The series of `{}`, apart: prom-client keys it apart from a set whose labels are all absent. */
  #empty: S | undefined;
  #order = new Set<S>();
  readonly #names: readonly string[];
  readonly #known: ReadonlySet<string>;

  constructor(labelNames: readonly string[]) {
    this.#names = [...labelNames].sort();
    this.#known = new Set(labelNames);
  }

  get size(): number {
    return this.#order.size;
  }

  /** The first label not declared in `labelNames`, as prom-client's error; undefined when all are. */
  check(labels: Labels | undefined): Error | undefined {
    if (labels === undefined) return undefined;
    for (const name in labels) if (!this.#known.has(name)) return unknownLabelError(name, this.#names);
    return undefined;
  }

  /**
   * The series of `labels`, created by `create` when new, or the error for an undeclared label:
   * the check and the lookup in one pass (the record path of every metric).
   */
  find(labels: Labels, create: (labels: Labels) => S): S | Error {
    let given = 0;
    for (const name in labels) {
      if (!this.#known.has(name)) return unknownLabelError(name, this.#names);
      given++;
    }
    // The series without labels gets its own `{}`: the caller's object may be a shared frozen one.
    return given === 0 ? (this.#empty ?? this.#addEmpty(create({}))) : this.#walk(labels, create);
  }

  /** The series without labels, created when new: `inc()`/`observe(v)` need no label check. */
  unlabelled(create: (labels: Labels) => S): S {
    return this.#empty ?? this.#addEmpty(create({}));
  }

  /** The series of already checked `labels`, created when new. */
  getOrCreate(labels: Labels, create: (labels: Labels) => S): S {
    return isEmpty(labels) ? (this.#empty ?? this.#addEmpty(create({}))) : this.#walk(labels, create);
  }

  get(labels: Labels): S | undefined {
    if (isEmpty(labels)) return this.#empty;
    if (this.#names.length === 0) return undefined;
    let level: Level<S> | S | undefined = this.#root;
    for (const name of this.#names) {
      level = (level as Level<S>).get(part(labels[name]));
      if (level === undefined) return undefined;
    }
    return level as S;
  }

  /** Puts `series` in, in place of any series of the same labels (keeping its position). */
  set(series: S): void {
    const old = this.get(series.labels);
    if (old !== undefined) {
      old.live = false;
      this.#order = new Set([...this.#order].map((s) => (s === old ? series : s)));
    } else {
      this.#order.add(series);
    }
    if (isEmpty(series.labels)) this.#empty = series;
    else this.#walk(series.labels, () => series, series);
  }

  delete(labels: Labels): void {
    const series = this.get(labels);
    if (series === undefined) return;
    series.live = false;
    this.#order.delete(series);
    if (isEmpty(labels)) {
      this.#empty = undefined;
      return;
    }
    // Remove the leaf, then every level it leaves empty.
    const path: Array<[Level<S>, string]> = [];
    let level = this.#root;
    for (const name of this.#names) {
      const key = part(labels[name]);
      path.push([level, key]);
      level = level.get(key) as Level<S>;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, key] = path[i] as [Level<S>, string];
      parent.delete(key);
      if (parent.size > 0 || i === 0) break;
    }
  }

  clear(): void {
    for (const series of this.#order) series.live = false;
    this.#order.clear();
    this.#root.clear();
    this.#empty = undefined;
  }

  values(): IterableIterator<S> {
    return this.#order.values();
  }

  #addEmpty(series: S): S {
    this.#empty = series;
    this.#order.add(series);
    return series;
  }

  /** Walks (creating levels) to the leaf of `labels`; creates the series when absent, or puts `replace` there. */
  #walk(labels: Labels, create: (labels: Labels) => S, replace?: S): S {
    // Only checked labels get here: a metric without label names only ever has the empty series.
    if (this.#names.length === 0) return this.#empty ?? this.#addEmpty(replace ?? create(labels));
    let level = this.#root;
    const last = this.#names.length - 1;
    for (let i = 0; i < last; i++) {
      const key = part(labels[this.#names[i] as string]);
      let next = level.get(key) as Level<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key, next);
      }
      level = next;
    }
    const key = part(labels[this.#names[last] as string]);
    if (replace !== undefined) {
      level.set(key, replace);
      return replace;
    }
    let series = level.get(key) as S | undefined;
    if (series === undefined) {
      series = create(labels);
      level.set(key, series);
      this.#order.add(series);
    }
    return series;
  }
}

function isEmpty(labels: Labels): boolean {
  for (const _ in labels) return false;
  return true;
}

/**
 * prom-client 15.1.3 kept each metric's series in a plain object, `metric.hashMap`, keyed by
 * `name:value,` over the sorted label names; middleware tests read it (express-prom-bundle's do).
 * This builds that object from the series, as a snapshot: writing to it changes nothing.
 */
export function legacyHashMap<S extends Series, E>(store: SeriesMap<S>, sortedLabelNames: readonly string[], entry: (series: S) => E): Record<string, E> {
  const map: Record<string, E> = {};
  for (const series of store.values()) {
    let hash = '';
    for (const name of sortedLabelNames) {
      const value = series.labels[name];
      if (value !== undefined) hash += `${name}:${value},`;
    }
    map[hash] = entry(series);
  }
  return map;
}
