/**
 * Event-loop delay and utilisation per collection interval, without the scrape's own work.
 *
 * prom-client resets its `monitorEventLoopDelay` histogram when it collects, and the rest of
 * the scrape (serialising, writing the response) then blocks the loop *after* the reset: the
 * next scrape reports the previous scrape's blocking as the app's delay. Here a collection
 * brackets its work with {@link LoopMonitor.pause} and the returned `resume`:
 *
 * - `pause()` stops the running histogram (`disable()` stops its timer, so nothing the scrape
 *   does is sampled) and freezes its statistics for the callbacks of this collection;
 * - `resume()` starts a *new* histogram. A fresh one, rather than `reset()` + `enable()`, has no
 *   previous timer tick, so its first sample cannot span the paused scrape whatever the Node
 *   version's reset semantics.
 *
 * So each reported interval is "from the end of the previous collection to the start of this
 * one": the loop as the app experienced it, never the scrape. A collection nobody brackets
 * (another reader) still works: {@link LoopMonitor.take} then rotates the histogram itself.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** Delay statistics in seconds over one interval; absent when the interval had no sample. */
export interface LoopDelayStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface LoopInterval {
  readonly delay: LoopDelayStats | undefined;
  /** Share of the interval the loop was busy, 0..1. */
  readonly utilization: number;
}

export interface LoopMonitorOptions {
  /** Sampling timer period in milliseconds (Node's default 10). */
  readonly resolutionMs?: number;
}

const NS_PER_S = 1e9;

export class LoopMonitor {
  readonly #resolutionNs: number;
  readonly #resolutionMs: number;
  #histogram: IntervalHistogram | undefined;
  #eluStart: EventLoopUtilization;
  /** The interval frozen by `pause()`, served to every callback until `resume()`. */
  #frozen: LoopInterval | undefined;
  #pauses = 0;

  constructor(options: LoopMonitorOptions = {}) {
    this.#resolutionMs = options.resolutionMs ?? 10;
    this.#resolutionNs = this.#resolutionMs * 1e6;
    this.#eluStart = performance.eventLoopUtilization();
    this.#histogram = this.#fresh();
  }

  /**
   * Runs `work` (a collection) paused: the next interval starts on the loop turn after it, because
   * synchronous renderers (JSON, health) run in the microtasks that follow the settled collection
   * and their blocking must not be sampled either. The text and protobuf renderers start a turn
   * later and yield between slices of a few milliseconds, so they are sampled like app work.
   */
  async outside<T>(work: () => Promise<T>): Promise<T> {
    const resume = this.pause();
    try {
      return await work();
    } finally {
      setImmediate(resume);
    }
  }

  /**
   * Stops sampling and freezes the interval that ends now. Returns the function that starts
   * the next interval; call it when the collection's work is done (idempotent). Pauses nest.
   */
  pause(): () => void {
    if (this.#pauses++ === 0) this.#frozen = this.#close();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.#pauses === 0) this.#open();
    };
  }

  /** The current interval: the frozen one while paused, otherwise closes it and opens the next. */
  take(): LoopInterval {
    if (this.#frozen !== undefined) return this.#frozen;
    const interval = this.#close();
    this.#open();
    return interval;
  }

  /** Stops the sampling timer for good. */
  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#pauses = Number.POSITIVE_INFINITY;
  }

  #fresh(): IntervalHistogram {
    const histogram = monitorEventLoopDelay({ resolution: this.#resolutionMs });
    histogram.enable();
    return histogram;
  }

  #open(): void {
    if (this.#pauses === Number.POSITIVE_INFINITY) return;
    this.#frozen = undefined;
    this.#histogram = this.#fresh();
    this.#eluStart = performance.eventLoopUtilization();
  }

  #close(): LoopInterval {
    const histogram = this.#histogram;
    histogram?.disable();
    this.#histogram = undefined;
    const utilization = performance.eventLoopUtilization(performance.eventLoopUtilization(), this.#eluStart).utilization;
    return { delay: histogram === undefined ? undefined : this.#stats(histogram), utilization };
  }

  /**
   * A sample is the time between two timer ticks, so an idle loop reads about one resolution
   * (10 ms); that period is subtracted so the gauges show how *late* the loop was. Stddev is a
   * spread and unaffected by the shift.
   */
  #stats(histogram: IntervalHistogram): LoopDelayStats | undefined {
    if (histogram.count === 0) return undefined;
    const late = (ns: number) => Math.max(0, ns - this.#resolutionNs) / NS_PER_S;
    return {
      min: late(histogram.min),
      max: late(histogram.max),
      mean: late(histogram.mean),
      stddev: histogram.stddev / NS_PER_S,
      p50: late(histogram.percentile(50)),
      p90: late(histogram.percentile(90)),
      p99: late(histogram.percentile(99)),
    };
  }
}
