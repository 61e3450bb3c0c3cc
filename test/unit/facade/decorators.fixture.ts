/**
 * Real standard-decorator syntax, type-checked by `tsc -p tsconfig.json` and compiled at test
 * time by facade-decorators.test.ts (vitest's transformer cannot lower standard decorators).
 * Only type imports, so the compiled module stands alone; the decorators come in as arguments.
 */
import type { activeGauge as ActiveGauge, countErrors as CountErrors, timed as Timed } from '../../../src/facade/decorators.js';
import type { Counter, Histogram, UpDownCounter } from '../../../src/record/types.js';
import type { ManualClock } from '../../../src/testing/clock.js';

export interface Decorators {
  readonly timed: typeof Timed;
  readonly countErrors: typeof CountErrors;
  readonly activeGauge: typeof ActiveGauge;
}

export interface Instruments {
  readonly duration: Histogram<'op'>;
  readonly errors: Counter<'op' | 'error.type'>;
  readonly active: UpDownCounter<'op'>;
  readonly clock: ManualClock;
}

export function defineService({ timed, countErrors, activeGauge }: Decorators, { duration, errors, active, clock }: Instruments) {
  class Service {
    factor = 10;

    @timed(duration, { op: 'sync' })
    @countErrors(errors, { op: 'sync' })
    multiply(x: number): number {
      clock.advance(0.5);
      if (x < 0) throw new RangeError('negative');
      return x * this.factor;
    }

    @timed(duration, { op: 'async' })
    @activeGauge(active, { op: 'async' })
    async load(gate: Promise<void>): Promise<number> {
      await gate;
      clock.advance(2);
      return this.factor;
    }

    @timed(duration, { op: 'static' })
    static version(): string {
      return '1';
    }
  }
  return Service;
}
