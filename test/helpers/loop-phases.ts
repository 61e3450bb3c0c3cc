/**
 * Event-loop positions for tests of code that must yield to the loop: no wall-clock thresholds,
 * only which callbacks have run.
 */
import { stat } from 'node:fs';

/** Resolves from an I/O callback, so the awaiting code runs in the loop's poll phase, as a scrape does. */
export function afterIo(): Promise<void> {
  return new Promise((resolve) => stat('.', () => resolve()));
}

/** A timer that is due (Node's minimum delay is 1 ms) but has not run yet; `fired()` tells whether it has since. */
export function dueTimer(): { fired(): boolean } {
  let fired = false;
  setTimeout(() => (fired = true), 0);
  const due = performance.now() + 2;
  while (performance.now() < due); // waits on the clock only until the timer is due
  return { fired: () => fired };
}
