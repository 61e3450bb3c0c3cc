/**
 * Callback-based gauges: the SDK calls back at collection time, so the value is read when it is
 * scraped and never goes stale. Callbacks run inside the SDK's collection; a throwing or
 * rejecting callback is caught here and counted as a drop, and one still running at the
 * collection deadline is given up on and counted, so it can never fail or hang a scrape.
 */
import type { Meter, ObservableGauge as OtelObservableGauge, ObservableResult } from '@opentelemetry/api';
import { settlesBeforeDeadline } from './collection-deadline.js';
import { describeValue } from './drops.js';
import { FacadeInstrument, otelOptions, valueProblem } from './instruments.js';
import type { Labels, ObservableGauge, ObserveCallback, ObserveResult } from './types.js';

export type { ObservableGauge, ObserveCallback, ObserveResult } from './types.js';

export class FacadeObservableGauge<L extends string>
  extends FacadeInstrument<OtelObservableGauge>
  implements ObservableGauge<L>
{
  /** Each user callback with the wrapper registered for it on the current OTel instrument. */
  readonly #callbacks = new Map<ObserveCallback<L>, (result: ObservableResult) => Promise<void>>();

  attach(meter: Meter): void {
    const previous = this.otel as OtelObservableGauge | undefined;
    this.otel = meter.createObservableGauge(this.name, otelOptions(this.spec));
    // On a rebind the callbacks move with the instrument (the #callbacks field does not exist yet
    // during the first attach, called from the base constructor).
    if (previous === undefined) return;
    for (const wrapper of this.#callbacks.values()) {
      previous.removeCallback(wrapper);
      this.otel.addCallback(wrapper);
    }
  }

  addCallback(callback: ObserveCallback<L>): () => void {
    if (this.#callbacks.has(callback)) return () => this.#remove(callback);
    const wrapper = async (result: ObservableResult): Promise<void> => {
      let late = false;
      const guarded: ObserveResult<L> = {
        observe: (value, labels) => {
          // Past the deadline the SDK has already read this result: later observations are lost.
          if (late) return;
          const reason = valueProblem(value, false);
          if (reason !== undefined) return this.dropValue(reason, value);
          const attributes = this.attributes(labels);
          if (attributes !== undefined) result.observe(value, attributes);
        },
      };
      try {
        // Stop waiting at the collection deadline, so one hung callback cannot hold the scrape.
        if (!(await settlesBeforeDeadline(callback(guarded)))) {
          late = true;
          this.context.drops.drop(this.name, 'callback_timeout', 'the callback had not finished at the collection deadline');
        }
      } catch (error) {
        this.context.drops.drop(this.name, 'callback_error', `the callback threw ${describeError(error)}`);
      }
    };
    this.#callbacks.set(callback, wrapper);
    this.otel.addCallback(wrapper);
    return () => this.#remove(callback);
  }

  #remove(callback: ObserveCallback<L>): void {
    const wrapper = this.#callbacks.get(callback);
    if (wrapper === undefined) return;
    this.#callbacks.delete(callback);
    this.otel.removeCallback(wrapper);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
}
