/** prom-client's bucket helpers, with its checks. */

/** `count` bucket bounds from `start`, `width` apart. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (count < 1) throw new Error('Linear buckets needs a positive count');
  return Array.from({ length: count }, (_, i) => start + i * width);
}

/** `count` bucket bounds from `start`, each `factor` times the previous one. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0) throw new Error('Exponential buckets needs a positive start');
  if (count < 1) throw new Error('Exponential buckets needs a positive count');
  if (factor <= 1) throw new Error('Exponential buckets needs a factor greater than 1');
  const buckets = new Array<number>(count);
  let bound = start;
  for (let i = 0; i < count; i++) {
    buckets[i] = bound;
    bound *= factor;
  }
  return buckets;
}
