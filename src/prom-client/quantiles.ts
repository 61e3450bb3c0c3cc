/**
 * The quantile sketch behind `Summary`: a merging digest. Values go into a buffer; when it is
 * full (or a quantile is asked for) the buffer is sorted and swept into the sorted centroids in
 * one pass. A centroid absorbs its neighbour when their means are equal, or while its weight stays
 * under 4·N·q·(1−q)/δ (the t-digest size bound: small centroids at the tails, where quantiles
 * need precision). A quantile interpolates between the centroids' midpoints, as prom-client's
 * t-digest does, so small samples give the same answers (median of 50, 50, 100, 100, 100 → 80).
 * The measured error on 100k values is in docs/migrating-from-prom-client.md.
 */

/** δ: the centroid count stays near π·δ/2. */
const COMPRESSION = 100;
const BUFFER = 512;

export class QuantileSketch {
  #means: number[] = [];
  #weights: number[] = [];
  #total = 0;
  readonly #buffer = new Float64Array(BUFFER);
  #buffered = 0;

  push(value: number): void {
    this.#buffer[this.#buffered++] = value;
    if (this.#buffered === BUFFER) this.compress();
  }

  /** Centroids held (0 when nothing was pushed since the last reset). */
  size(): number {
    this.compress();
    return this.#means.length;
  }

  reset(): void {
    this.#means = [];
    this.#weights = [];
    this.#total = 0;
    this.#buffered = 0;
  }

  /** Merges the buffered values into the centroids. */
  compress(): void {
    if (this.#buffered === 0) return;
    const incoming = this.#buffer.subarray(0, this.#buffered).sort();
    const total = this.#total + this.#buffered;
    const means: number[] = [];
    const weights: number[] = [];
    let i = 0;
    let j = 0;
    let before = 0;
    while (i < this.#means.length || j < incoming.length) {
      let mean: number;
      let weight: number;
      if (j >= incoming.length || (i < this.#means.length && (this.#means[i] as number) <= (incoming[j] as number))) {
        mean = this.#means[i] as number;
        weight = this.#weights[i++] as number;
      } else {
        mean = incoming[j++] as number;
        weight = 1;
      }
      const last = means.length - 1;
      if (last >= 0) {
        const lastMean = means[last] as number;
        const lastWeight = weights[last] as number;
        const merged = lastWeight + weight;
        const q = (before + merged / 2) / total;
        if (lastMean === mean || merged <= (4 * total * q * (1 - q)) / COMPRESSION) {
          means[last] = lastMean + (weight * (mean - lastMean)) / merged;
          weights[last] = merged;
          continue;
        }
        before += lastWeight;
      }
      means.push(mean);
      weights.push(weight);
    }
    this.#means = means;
    this.#weights = weights;
    this.#total = total;
    this.#buffered = 0;
  }

  /** The `p` quantile (0..1), or undefined when empty. */
  percentile(p: number): number | undefined {
    this.compress();
    const means = this.#means;
    if (means.length === 0) return undefined;
    const rank = this.#total * p;
    // Centroid k sits at rank (weights before it) + weight/2; interpolate between the two around `rank`.
    let before = 0;
    let lowerMean: number | undefined;
    let lowerRank = 0;
    for (let k = 0; k < means.length; k++) {
      const weight = this.#weights[k] as number;
      const at = before + weight / 2;
      const mean = means[k] as number;
      if (at === rank) return mean;
      if (at > rank) {
        if (lowerMean === undefined) return mean;
        return lowerMean + ((rank - lowerRank) * (mean - lowerMean)) / (at - lowerRank);
      }
      lowerMean = mean;
      lowerRank = at;
      before += weight;
    }
    return lowerMean;
  }
}

/**
 * Quantiles over a sliding window: `ageBuckets` sketches, each value pushed into all of them;
 * every `maxAgeSeconds / ageBuckets` the oldest is cleared and the next one is read, so a
 * quantile covers the last `maxAgeSeconds`. Without both options there is one sketch for the
 * life of the series.
 */
export class TimeWindowQuantiles {
  readonly #ring: QuantileSketch[];
  readonly #rotates: boolean;
  readonly #periodMillis: number;
  #current = 0;
  #lastRotation = Date.now();

  constructor(maxAgeSeconds = 0, ageBuckets = 0) {
    this.#rotates = Boolean(maxAgeSeconds && ageBuckets);
    this.#ring = Array.from({ length: this.#rotates ? ageBuckets : 1 }, () => new QuantileSketch());
    this.#periodMillis = this.#rotates ? (maxAgeSeconds * 1000) / ageBuckets : Infinity;
  }

  #rotate(): QuantileSketch {
    if (this.#rotates) {
      let elapsed = Date.now() - this.#lastRotation;
      while (elapsed > this.#periodMillis) {
        this.#ring[this.#current] = new QuantileSketch();
        this.#current = (this.#current + 1) % this.#ring.length;
        elapsed -= this.#periodMillis;
        this.#lastRotation += this.#periodMillis;
      }
    }
    return this.#ring[this.#current] as QuantileSketch;
  }

  size(): number {
    return this.#rotate().size();
  }

  percentile(p: number): number | undefined {
    return this.#rotate().percentile(p);
  }

  push(value: number): void {
    this.#rotate();
    for (const sketch of this.#ring) sketch.push(value);
  }

  reset(): void {
    for (const sketch of this.#ring) sketch.reset();
  }

  compress(): void {
    for (const sketch of this.#ring) sketch.compress();
  }
}
