/**
 * Keeps SDK-summed series (counters, up-down counters, histogram `_sum`) from reaching ±Infinity.
 * The SDK adds measurements per series where the facade cannot see the total, so the facade keeps
 * its own running total, but only of huge measurements: one comparison on the hot path, and a
 * per-series entry (built on this slow path only) for a series that ever received one.
 *
 * The bound this gives: measurements no larger than {@link HUGE} (2^-53 of `Number.MAX_VALUE`,
 * about 2e292) are not tracked, and fewer than 2^52 of them cannot add up to half the maximum.
 * So a total stays finite unless a series both holds tracked values near the maximum and then
 * receives quadrillions of untracked ones: far past any real measurement. Bound cells keep their
 * total locally and check it exactly (see `cells.ts`).
 */
import type { Attributes } from '@opentelemetry/api';
import { canonicalKey } from './labels.js';

/** Measurements larger than this in magnitude are tracked per series. */
export const HUGE = Number.MAX_VALUE / 2 ** 53;

/** Shared by every series past the cardinality limit, as the SDK folds them into one. */
const OVERFLOW_KEY = 'overflow';

/** The running total of huge measurements per series of one instrument. */
export class HugeTotals {
  readonly #totals = new Map<string, number>();

  /**
   * Adds `value` to the total of `attributes`' series and returns true, or returns false (adding
   * nothing) when the total would no longer be finite: the caller drops the measurement.
   */
  admit(value: number, attributes: Attributes, limit: number): boolean {
    let key = canonicalKey(attributes);
    if (!this.#totals.has(key) && this.#totals.size >= limit - 1) key = OVERFLOW_KEY;
    const total = (this.#totals.get(key) ?? 0) + value;
    if (total - total !== 0) return false;
    this.#totals.set(key, total);
    return true;
  }
}
