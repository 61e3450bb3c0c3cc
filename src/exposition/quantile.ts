/**
 * Quantiles estimated from explicit-bucket histograms exactly as PromQL's `histogram_quantile`
 * does (Prometheus `promql/quantile.go`, `bucketQuantile`), so the JSON and health views agree
 * with a Grafana panel over the same buckets:
 *
 * - linear interpolation inside the bucket where the rank falls, assuming observations are
 *   spread evenly in it;
 * - the first bucket interpolates from 0 when its upper bound is positive (and returns that
 *   bound when it is not);
 * - a rank in the `+Inf` bucket returns the highest finite boundary;
 * - no observations (or no finite boundary) gives NaN; q < 0 gives -Inf, q > 1 gives +Inf.
 */

import { cumulativeCounts } from './buckets.js';

/**
 * `boundaries` are the finite upper bounds (OTel `buckets.boundaries`, ascending), `counts` the
 * per-bucket, non-cumulative counts with one more entry for `+Inf` (OTel `buckets.counts`).
 */
export function histogramQuantile(q: number, boundaries: readonly number[], counts: readonly number[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  // Prometheus needs at least two buckets, i.e. one finite bound besides +Inf.
  if (boundaries.length === 0) return Number.NaN;
  const cumulative = cumulativeCounts(counts.length > boundaries.length + 1 ? counts.slice(0, boundaries.length + 1) : counts);
  const total = cumulative.at(-1) ?? 0;
  if (total === 0) return Number.NaN;
  let rank = q * total;
  // The first bucket whose cumulative count reaches the rank (Go's sort.Search).
  let b = cumulative.findIndex((count) => count >= rank);
  if (b < 0) b = boundaries.length;
  if (b === boundaries.length) return boundaries[boundaries.length - 1] ?? Number.NaN;
  const upper = boundaries[b] ?? Number.NaN;
  if (b === 0 && upper <= 0) return upper;
  let lower = 0;
  let count = cumulative[b] ?? 0;
  if (b > 0) {
    lower = boundaries[b - 1] ?? 0;
    const below = cumulative[b - 1] ?? 0;
    count -= below;
    rank -= below;
  }
  return lower + (upper - lower) * (rank / count);
}
