/**
 * TypeScript 5 standard decorators (TC39, not `experimentalDecorators`) for class methods, sync
 * or async. Each replaces the method with the matching helper's wrapper, so `this`, the return
 * value and the thrown error are the method's own:
 *
 * ```ts
 * class Orders {
 *   @timed(orderDuration, { 'order.kind': 'web' })
 *   async place(order: Order) { ... }
 * }
 * ```
 */
import { trackActive, trackDuration, trackErrors } from './helpers.js';
import type { Counter, Histogram, Labels, UpDownCounter } from '../record/types.js';

/** The method type a decorator sees and returns. */
type Method<This, Args extends unknown[], R> = (this: This, ...args: Args) => R;

/** A standard method decorator; the context is only checked to be a method's. */
export type MethodDecorator = <This, Args extends unknown[], R>(
  method: Method<This, Args, R>,
  context: ClassMethodDecoratorContext<This, Method<This, Args, R>>,
) => Method<This, Args, R>;

/** Records each call's duration in seconds in `histogram`. */
export function timed<L extends string>(histogram: Histogram<L>, labels?: Labels<L>): MethodDecorator {
  return (method) => trackDuration(histogram, method, labels);
}

/** Adds 1 to `counter` for each call that throws or rejects (with `error.type` when declared). */
export function countErrors<L extends string>(counter: Counter<L>, labels?: Labels<L>): MethodDecorator {
  return (method) => trackErrors(counter, method, labels);
}

/** Keeps `upDownCounter` at the number of calls in flight. */
export function activeGauge<L extends string>(upDownCounter: UpDownCounter<L>, labels?: Labels<L>): MethodDecorator {
  return (method) => trackActive(upDownCounter, method, labels);
}
