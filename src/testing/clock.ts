import type { Clock } from '../record/types.js';

/** A clock that only moves when told to, so durations in tests are exact and nothing sleeps. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `seconds` (must be finite and >= 0). */
  advance(seconds: number): void;
  /** Sets the clock to `seconds`. */
  set(seconds: number): void;
}

export function createManualClock(startSeconds = 0): ManualClock {
  let now = startSeconds;
  return {
    now: () => now,
    advance(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`cannot advance a clock by ${seconds} seconds`);
      now += seconds;
    },
    set(seconds) {
      now = seconds;
    },
  };
}
