/**
 * Adding two exponential (native) histograms, as the cluster primary merges its workers'. Bucket
 * `i` at scale `s` holds `(base^i, base^(i+1)]` with `base = 2^(2^-s)`; one scale down, two
 * neighbours become one (`i >> 1`), so two histograms of different scales are added at the
 * coarser one, exactly: no observation changes bucket, the buckets just get wider. The sum is
 * then brought down further while it needs more than the SDK's bucket limit per sign (two
 * workers that saw far-apart ranges), as the SDK itself rescales.
 */
import type { ExponentialHistogram } from '@opentelemetry/sdk-metrics';
import { NATIVE_HISTOGRAM_MAX_SIZE } from '../limits.js';

interface Dense {
  readonly offset: number;
  readonly bucketCounts: number[];
}

/** `buckets` `steps` scales down: index `i` becomes `i >> steps` (floor, also for negative indices). */
function downscale(buckets: Dense, steps: number): Dense {
  if (steps === 0 || buckets.bucketCounts.length === 0) return { offset: buckets.offset, bucketCounts: [...buckets.bucketCounts] };
  const factor = 2 ** steps;
  const offset = Math.floor(buckets.offset / factor);
  const counts: number[] = [];
  for (let k = 0; k < buckets.bucketCounts.length; k++) {
    const at = Math.floor((buckets.offset + k) / factor) - offset;
    counts[at] = (counts[at] ?? 0) + (buckets.bucketCounts[k] ?? 0);
  }
  for (let k = 0; k < counts.length; k++) counts[k] ??= 0;
  return { offset, bucketCounts: counts };
}

/** Two bucket runs at the same scale, added index by index. */
function add(a: Dense, b: Dense): Dense {
  if (a.bucketCounts.length === 0) return { offset: b.offset, bucketCounts: [...b.bucketCounts] };
  if (b.bucketCounts.length === 0) return { offset: a.offset, bucketCounts: [...a.bucketCounts] };
  const offset = Math.min(a.offset, b.offset);
  const end = Math.max(a.offset + a.bucketCounts.length, b.offset + b.bucketCounts.length);
  const counts = new Array<number>(end - offset).fill(0);
  for (let k = 0; k < a.bucketCounts.length; k++) counts[a.offset + k - offset]! += a.bucketCounts[k] ?? 0;
  for (let k = 0; k < b.bucketCounts.length; k++) counts[b.offset + k - offset]! += b.bucketCounts[k] ?? 0;
  return { offset, bucketCounts: counts };
}

/** How many scales down `buckets` must go to span at most `maxSize` indices. */
function stepsToFit(buckets: Dense, maxSize: number): number {
  if (buckets.bucketCounts.length === 0) return 0;
  let steps = 0;
  const last = buckets.offset + buckets.bucketCounts.length - 1;
  while (Math.floor(last / 2 ** steps) - Math.floor(buckets.offset / 2 ** steps) + 1 > maxSize) steps++;
  return steps;
}

/** `a + b`: counts, sums, zero counts and buckets added exactly at a common scale; min and max kept. Neither input changes. */
export function addExponentialHistograms(a: ExponentialHistogram, b: ExponentialHistogram, maxSize: number = NATIVE_HISTOGRAM_MAX_SIZE): ExponentialHistogram {
  let scale = Math.min(a.scale, b.scale);
  let positive = add(downscale(a.positive, a.scale - scale), downscale(b.positive, b.scale - scale));
  let negative = add(downscale(a.negative, a.scale - scale), downscale(b.negative, b.scale - scale));
  const steps = Math.max(stepsToFit(positive, maxSize), stepsToFit(negative, maxSize));
  if (steps > 0) {
    positive = downscale(positive, steps);
    negative = downscale(negative, steps);
    scale -= steps;
  }
  const min = a.min === undefined ? b.min : b.min === undefined ? a.min : Math.min(a.min, b.min);
  const max = a.max === undefined ? b.max : b.max === undefined ? a.max : Math.max(a.max, b.max);
  return {
    count: a.count + b.count,
    ...((a.sum !== undefined || b.sum !== undefined) && { sum: (a.sum ?? 0) + (b.sum ?? 0) }),
    scale,
    zeroCount: a.zeroCount + b.zeroCount,
    positive,
    negative,
    ...(min !== undefined && { min }),
    ...(max !== undefined && { max }),
  };
}

