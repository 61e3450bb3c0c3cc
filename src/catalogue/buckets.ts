/**
 * Bucket boundary presets shared by the catalogue's histograms. The SDK's default boundaries
 * (`0, 5, 10, … 10000`) are millisecond-scale and wrong for second-based histograms, so every
 * promkit histogram takes its boundaries from here (or from an explicit user override).
 *
 * Where a semantic convention recommends boundaries (`ExplicitBucketBoundaries` advisory
 * parameter), the preset copies them exactly so community dashboards line up bucket for bucket.
 */

/** Deep-frozen so a definition that shares a preset array cannot corrupt it for the others. */
function preset<const T extends readonly number[]>(boundaries: T): T {
  return Object.freeze(boundaries);
}

export const BUCKET_PRESETS = Object.freeze({
  /** HTTP semconv recommendation for `http.{server,client}.request.duration`, in seconds. */
  http_duration: preset([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]),
  /** Bytes: 100 B, 1 KiB, 10 KiB, 100 KiB, 1 MiB, 10 MiB. Our choice; HTTP semconv gives none. */
  body_size: preset([100, 1024, 10240, 102400, 1048576, 10485760]),
  /** GenAI semconv recommendation (doubling from 10 ms) for operation duration and chunk timing. */
  llm_duration: preset([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]),
  /** GenAI semconv recommendation for `gen_ai.client.token.usage` (powers of 4). */
  token_count: preset([
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
  ]),
  /** Caches answer in well under a millisecond when healthy, so the low end is finer than HTTP's. */
  cache_duration: preset([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
  /** DB semconv recommendation for `db.client.operation.duration`, in seconds. */
  db_duration: preset([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]),
  /** DB semconv recommendation for `db.client.response.returned_rows`. */
  db_rows: preset([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]),
  /**
   * Connection-pool wait and use time, in seconds. Our choice (semconv gives none): a healthy
   * pool hands out a connection in 100 µs, so this starts an order of magnitude below
   * `db_duration` and keeps its 1-5 steps up to 10 s:
   * 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10.
   */
  pool_time: preset([0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]),
  /** Calls guarded by a circuit breaker; reaches 30 s because breaker timeouts are often that long. */
  breaker_call: preset([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
} as const);

export type BucketPreset = keyof typeof BUCKET_PRESETS;
