/**
 * The series of one metric by label set. The key is the label values in sorted label-name order,
 * so `{ a, b }` and `{ b, a }` are one series and an absent label reads as `''`, as in prom-client;
 * an empty label object is the series without labels. Building the key is a loop over the
 * declared names: no sort, no JSON per call.
 */
import { unknownLabelError, type Labels } from './validation.js';

/** What every stored series carries. `live` turns false when the series is removed or reset. */
export interface Series {
  readonly labels: Labels;
  live: boolean;
}

export class SeriesMap<S extends Series> {
  readonly #map = new Map<string, S>();
  readonly #names: readonly string[];
  readonly #known: ReadonlySet<string>;

  constructor(labelNames: readonly string[]) {
    this.#names = [...labelNames].sort();
    this.#known = new Set(labelNames);
  }

  get size(): number {
    return this.#map.size;
  }

  /** The first label not declared in `labelNames`, as prom-client's error; undefined when all are. */
  check(labels: Labels | undefined): Error | undefined {
    if (labels === undefined) return undefined;
    for (const name in labels) if (!this.#known.has(name)) return unknownLabelError(name, this.#names);
    return undefined;
  }

  keyOf(labels: Labels): string {
    if (isEmpty(labels)) return '';
    let key = '';
    for (const name of this.#names) key += `${labels[name] ?? ''}|`;
    return key;
  }

  get(labels: Labels): S | undefined {
    return this.#map.get(this.keyOf(labels));
  }

  /**
   * The series of `labels`, created by `create` when new, or the error for an undeclared label:
   * the check and the key in one pass over the object (the record path of every metric).
   */
  find(labels: Labels, create: (labels: Labels) => S): S | Error {
    let given = 0;
    for (const name in labels) {
      if (!this.#known.has(name)) return unknownLabelError(name, this.#names);
      given++;
    }
    let key = '';
    if (given > 0) for (const name of this.#names) key += `${labels[name] ?? ''}|`;
    let series = this.#map.get(key);
    if (series === undefined) {
      series = create(labels);
      this.#map.set(key, series);
    }
    return series;
  }

  getOrCreate(labels: Labels, create: (labels: Labels) => S): S {
    const key = this.keyOf(labels);
    let series = this.#map.get(key);
    if (series === undefined) {
      series = create(labels);
      this.#map.set(key, series);
    }
    return series;
  }

  set(series: S): void {
    const key = this.keyOf(series.labels);
    const old = this.#map.get(key);
    if (old !== undefined) old.live = false;
    this.#map.set(key, series);
  }

  delete(labels: Labels): void {
    const key = this.keyOf(labels);
    const series = this.#map.get(key);
    if (series === undefined) return;
    series.live = false;
    this.#map.delete(key);
  }

  clear(): void {
    for (const series of this.#map.values()) series.live = false;
    this.#map.clear();
  }

  values(): IterableIterator<S> {
    return this.#map.values();
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
