/**
 * Measure work without rewriting it. Each helper takes either a function, and returns a wrapper
 * with the same signature (call it as often as you like, as a method too: `this` is passed
 * through), or a promise, and returns a promise of the same value. Return values and thrown
 * errors pass through untouched: the wrapper rethrows the very same error object.
 *
 * Durations come from the clock of the core that created the instrument (seconds), so tests
 * that inject a manual clock get exact values.
 */
import { DEFAULT_CLOCK } from '../record/core.js';
import { errorTypeOf } from './error-type.js';
import { FacadeInstrument } from '../record/instruments.js';
import { isThenable } from '../record/observe-call.js';
import type { Clock, Counter, Histogram, LabelValue, Labels, UpDownCounter } from '../record/types.js';

// `any` is what lets a wrapper keep the exact signature (and `this` type) of any function.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (this: any, ...args: any[]) => unknown;

/** Called when the work settles, successfully or not. */
type Settle = (error: { readonly value: unknown } | undefined) => void;

/** Runs `start`, then `target`, then `settle` exactly once, preserving results and errors. */
function wrap<F extends AnyFunction>(fn: F, start: () => Settle): F {
  return function (this: unknown, ...args: unknown[]): unknown {
    const settle = start();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      settle({ value: error });
      throw error;
    }
    if (isThenable(result)) {
      try {
        return result.then(
          (value) => {
            settle(undefined);
            return value;
          },
          (error: unknown) => {
            settle({ value: error });
            throw error;
          },
        );
      } catch (error) {
        // A thenable whose `then` throws can never settle: record it as failed now (or an
        // in-flight count would stay up forever) and hand it back untouched, so awaiting it
        // throws as it would have without the wrapper.
        settle({ value: error });
        return result;
      }
    }
    settle(undefined);
    return result;
  } as F;
}

function track<T>(target: unknown, start: () => Settle): unknown {
  if (typeof target === 'function') return wrap(target as AnyFunction, start);
  return Promise.resolve(wrap(() => target as PromiseLike<T>, start)());
}

function clockOf(instrument: object): Clock {
  return instrument instanceof FacadeInstrument ? instrument.context.clock : DEFAULT_CLOCK;
}

/** Records the duration of each call (or of the promise) in seconds, failures included. */
export function trackDuration<L extends string, F extends AnyFunction>(histogram: Histogram<L>, fn: F, labels?: Labels<L>): F;
export function trackDuration<L extends string, T>(histogram: Histogram<L>, promise: PromiseLike<T>, labels?: Labels<L>): Promise<T>;
export function trackDuration<L extends string>(histogram: Histogram<L>, target: unknown, labels?: Labels<L>): unknown {
  const clock = clockOf(histogram);
  const bound = histogram.bind(labels ?? {});
  return track(target, () => {
    const startedAt = clock.now();
    return () => bound.record(clock.now() - startedAt);
  });
}

/**
 * Adds 1 to `counter` for each call (or the promise) that throws or rejects. When the counter
 * declares `error.type`, that label is set from the error by `errorTypeOf`: its `code`
 * (`ECONNREFUSED`) if it has one, else its class name (`TypeError`), else `_OTHER`.
 */
export function trackErrors<L extends string, F extends AnyFunction>(counter: Counter<L>, fn: F, labels?: Labels<L>): F;
export function trackErrors<L extends string, T>(counter: Counter<L>, promise: PromiseLike<T>, labels?: Labels<L>): Promise<T>;
export function trackErrors<L extends string>(counter: Counter<L>, target: unknown, labels?: Labels<L>): unknown {
  const withType = counter instanceof FacadeInstrument && counter.labelKeys.has('error.type');
  return track(target, () => (error) => {
    if (error === undefined) return;
    counter.add(1, withType ? ({ ...labels, 'error.type': errorTypeOf(error.value) } as unknown as Labels<L>) : labels);
  });
}

/** Adds 1 to `upDownCounter` while each call (or the promise) is in flight, and takes it off when it settles. */
export function trackActive<L extends string, F extends AnyFunction>(upDownCounter: UpDownCounter<L>, fn: F, labels?: Labels<L>): F;
export function trackActive<L extends string, T>(upDownCounter: UpDownCounter<L>, promise: PromiseLike<T>, labels?: Labels<L>): Promise<T>;
export function trackActive<L extends string>(upDownCounter: UpDownCounter<L>, target: unknown, labels?: Labels<L>): unknown {
  const active = upDownCounter.bind(labels ?? {});
  return track(target, () => {
    active.add(1);
    return () => active.add(-1);
  });
}

/** A started measurement; labels known only at the end (a status) are given to `end`. */
export interface Timer<L extends string> {
  /**
   * Records the seconds since the timer started, with the start labels merged with `labels`
   * (end labels win), and returns them. Only the first call records; later calls return the
   * first duration, so calling `end` in both a `catch` and a `finally` cannot double-count.
   */
  end(labels?: Labels<L>): number;
}

export function startTimer<L extends string>(histogram: Histogram<L>, labels?: Labels<L>): Timer<L> {
  const clock = clockOf(histogram);
  const startedAt = clock.now();
  let recorded: number | undefined;
  return {
    end(endLabels) {
      if (recorded !== undefined) return recorded;
      recorded = clock.now() - startedAt;
      histogram.record(recorded, endLabels === undefined ? labels : labels === undefined ? endLabels : { ...labels, ...endLabels });
      return recorded;
    },
  };
}
