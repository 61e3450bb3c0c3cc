/**
 * Histogram buckets in the shapes the exposition needs: the running (cumulative) counts Prometheus
 * shows, the classic bucket view of a native (exponential) histogram, and boundary comparison. The
 * text serializer, the JSON snapshot, the testing helpers, the quantile estimate and the health
 * window all use these, so a bucket means the same thing everywhere.
 */
import type { ExponentialHistogram, Histogram } from '@opentelemetry/sdk-metrics';

/**
 * Explicit buckets: ascending finite upper bounds, and per-bucket (non-cumulative) counts with one
 * more entry, for `+Inf` (the shape of OTel's `Histogram.buckets`).
 */
export interface BucketCounts {
  readonly boundaries: readonly number[];
  readonly counts: readonly number[];
}

/**
 * The running totals of `counts`, one per bucket (the last is the total count), written into
 * `into` from index 0 and returned. Pass a reused array to avoid allocating per series.
 */
export function cumulativeCounts(counts: readonly number[], into: number[] = []): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i] ?? 0;
    into[i] = total;
  }
  into.length = counts.length;
  return into;
}

/** Cumulative buckets as Prometheus shows them: `{ le, count }`, the last with `le: Infinity`. */
export function cumulativeBuckets(buckets: BucketCounts): Array<{ readonly le: number; readonly count: number }> {
  const cumulative = cumulativeCounts(buckets.counts);
  return cumulative.map((count, i) => ({ le: buckets.boundaries[i] ?? Infinity, count }));
}

export function sameBoundaries(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bucket of `value` among `boundaries` (upper bounds are inclusive, as `le` says); `boundaries.length` is `+Inf`. */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let low = 0;
  let high = boundaries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value <= (boundaries[middle] ?? Infinity)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The upper bound of OTel exponential bucket `index` at `scale`: bucket `i` holds values in
 * `(base^i, base^(i+1)]` with `base = 2^(2^-scale)`. Computed as one power of two, which is exact
 * for scale <= 0 and correctly rounded otherwise.
 */
export function exponentialUpperBound(index: number, scale: number): number {
  return 2 ** ((index + 1) * 2 ** -scale);
}

/**
 * A native histogram as classic buckets, exactly: one bucket per exponential bucket (its upper
 * bound as `le`), the zero bucket as `le="0"`, then `+Inf` (empty). Counts are not interpolated,
 * so nothing is estimated; the set of bounds grows as values arrive and changes when the SDK
 * rescales. Used where a format has no native histograms (text, JSON).
 */
export function exponentialBuckets(histogram: ExponentialHistogram): { boundaries: number[]; counts: number[] } {
  const boundaries: number[] = [];
  const counts: number[] = [];
  const { scale, negative, positive } = histogram;
  // Negative bucket i holds [-(base^(i+1)), -(base^i)): its upper bound is -(base^i). Highest index first.
  for (let k = negative.bucketCounts.length - 1; k >= 0; k--) {
    boundaries.push(-exponentialUpperBound(negative.offset + k - 1, scale));
    counts.push(negative.bucketCounts[k] ?? 0);
  }
  boundaries.push(0);
  counts.push(histogram.zeroCount);
  for (let k = 0; k < positive.bucketCounts.length; k++) {
    boundaries.push(exponentialUpperBound(positive.offset + k, scale));
    counts.push(positive.bucketCounts[k] ?? 0);
  }
  counts.push(0);
  return { boundaries, counts };
}

/** The buckets of an explicit or exponential histogram point. */
export function bucketsOf(value: Histogram | ExponentialHistogram): BucketCounts {
  return 'scale' in value ? exponentialBuckets(value) : value.buckets;
}
