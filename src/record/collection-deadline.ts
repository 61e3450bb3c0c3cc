/**
 * The deadline of the collection in progress, carried to observable callbacks. The SDK's own
 * per-callback timeout (`collect({ timeoutMillis })`) rejects a late callback with an anonymous
 * `TimeoutError`, which says nothing about which metric was late; carrying the deadline in an
 * `AsyncLocalStorage` lets promkit's callback wrapper stop waiting at the deadline itself and count
 * the drop against its metric. Concurrent collections (two readers, `scrape()` beside a server
 * request) each see their own deadline.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isThenable } from './observe-call.js';

/** Absolute deadline in `performance.now()` milliseconds. */
const deadlines = new AsyncLocalStorage<number>();

/**
 * Extra time the SDK is given on top of the deadline. promkit's wrappers stop waiting at the
 * deadline, so this only cuts off callbacks registered through the raw OTel API, and keeps the
 * SDK's timer from racing a wrapper's at the same instant.
 */
export const SDK_TIMEOUT_GRACE_MILLIS = 25;

let inFlight = 0;

/**
 * Runs `collect` (which must start the SDK collection) with a deadline `timeoutMillis` from now.
 *
 * The storage is disabled again once no collection is in flight: on Node 22 an enabled
 * `AsyncLocalStorage` keeps a promise hook installed for every promise the app makes, which took
 * an awaited promise plus a `nextTick` from about 216 to 571 ns after the first scrape.
 */
export function collectWithin<T>(timeoutMillis: number, collect: (sdkTimeoutMillis: number) => Promise<T>): Promise<T> {
  inFlight++;
  let collecting: Promise<T>;
  try {
    collecting = deadlines.run(performance.now() + timeoutMillis, () => collect(timeoutMillis + SDK_TIMEOUT_GRACE_MILLIS));
  } catch (error) {
    settled();
    throw error;
  }
  return collecting.finally(settled);
}

function settled(): void {
  if (--inFlight === 0) deadlines.disable();
}

/**
 * Awaits `returned` (a callback's return value) until the current collection's deadline.
 * Resolves true when it settled in time (a rejection is passed on), false when the deadline came
 * first. Outside a collection with a deadline it simply awaits.
 */
export async function settlesBeforeDeadline(returned: unknown): Promise<boolean> {
  const deadline = deadlines.getStore();
  if (deadline === undefined || !isThenable(returned)) {
    await returned;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), false);
    // A hung callback must not keep the process alive either.
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve(returned).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
