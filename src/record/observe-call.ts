/**
 * Internal helpers shared by the domain facades (cache, DB, LLM, circuit breaker): observe how a
 * sync or async call ends without changing what it returns or throws. Not part of the public
 * surface; errors are named by `errorTypeOf` (error-type.ts).
 */
import { diag } from '@opentelemetry/api';

/** How an observed call ended. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A promise or anything awaitable like one (`then` is a function). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` and calls `settled` exactly once when it returns, throws, resolves or rejects. The
 * return value and the thrown error pass through untouched; a thenable result comes back as a
 * native Promise settling the same way. A throwing `settled` is swallowed (and warned): metrics
 * code must never fail the call it observes.
 */
export function observeCall<R>(fn: () => R, settled: (outcome: Settled<Awaited<R>>) => void): R {
  const report = (outcome: Settled<Awaited<R>>): void => {
    try {
      settled(outcome);
    } catch (error) {
      diag.warn('promkit: a metrics callback threw and was ignored', error);
    }
  };
  let result: R;
  try {
    result = fn();
  } catch (error) {
    report({ ok: false, error });
    throw error;
  }
  if (!isThenable(result)) {
    report({ ok: true, value: result as Awaited<R> });
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      report({ ok: true, value: value as Awaited<R> });
      return value;
    },
    (error: unknown) => {
      report({ ok: false, error });
      throw error;
    },
  ) as R;
}

/** Calls a user-supplied extractor; a throw becomes `undefined` so metrics never break the caller. */
export function safely<A, T>(extract: (arg: A) => T, arg: A): T | undefined {
  try {
    return extract(arg);
  } catch (error) {
    diag.warn('promkit: a metrics extractor threw and was ignored', error);
    return undefined;
  }
}
