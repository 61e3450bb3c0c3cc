/**
 * Giving the event loop a real turn in the middle of long work (a scrape's rendering, its
 * writing). One `setImmediate` is not enough when the work runs in an I/O callback or the
 * microtasks after one, as a scrape does: the callback then runs in the same loop iteration's
 * check phase, before any timer fires and before the next I/O poll, so two slices separated by it
 * block the loop as one. A second `setImmediate`, queued from the check phase, runs only in the
 * next iteration, after its timers and its poll.
 */

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves after the event loop has run its timers and polled for I/O at least once. */
export async function yieldToLoop(): Promise<void> {
  await immediate();
  await immediate();
}
