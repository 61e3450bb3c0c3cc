/**
 * Histogram cells: the buckets, sum and count of one label set, kept by promkit and reported
 * through a `MetricProducer` (see `producer.ts`) instead of the SDK's record path. A record is a
 * type check, a scan of the boundaries and four additions: no attribute hashing, no map lookup,
 * no allocation.
 *
 * What the SDK's view did for these metrics is done here, once, when a cell is made: the
 * boundaries are the ones the view would use (the catalogue's list after the user's bucket
 * overrides, else the instrument's own `buckets`, else the SDK's default list); labels are the
 * declared keys only (the facade refuses others); past `limit - 1` label sets every new one
 * goes to the shared `otel.metric.overflow=true` cell; each cell reports its creation as its
 * start time (cumulative temporality, as the reader asks).
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { OVERFLOW_ATTRIBUTES } from './cells.js';
import { canonicalKey } from './labels.js';
import { captureExemplar, type InstrumentExemplars } from './exemplars.js';
import type { BoundHistogram } from './types.js';

/** The SDK's boundaries for a histogram without advice or view (OpenTelemetry's default, in ms). */
export const OTEL_DEFAULT_BOUNDARIES: readonly number[] = Object.freeze([0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);

/** Called with a refused value; the instrument counts and warns. */
type Refuse = (value: unknown, nonNegative: boolean) => void;

/** Wall-clock time now as OpenTelemetry's `[seconds, nanoseconds]`. */
export function hrNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export class HistogramCell implements BoundHistogram {
  /** One count per bucket: `counts[i]` holds values `<= boundaries[i]`, the last one the rest (`+Inf`). */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  readonly startTime: HrTime = hrNow();

  constructor(
    readonly attributes: Attributes,
    readonly boundaries: readonly number[],
    private readonly refuse: Refuse,
    /** Where a value recorded inside a sampled span leaves its exemplar (OpenMetrics). */
    private readonly exemplars?: InstrumentExemplars,
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /**
   * The one place a measurement lands (and leaves its exemplar). Refuses NaN, negatives,
   * non-numbers and a value that would take the sum to Infinity; a histogram only aggregates
   * non-negative values.
   */
  record(value: number): void {
    if (typeof value === 'number' && value >= 0) {
      const sum = this.sum + value;
      if (sum !== Infinity) {
        const boundaries = this.boundaries;
        const last = boundaries.length;
        let i = 0;
        // Upper bounds are inclusive (`le`), as in the SDK; a dozen boundaries scan faster than they bisect.
        while (i < last && (boundaries[i] as number) < value) i++;
        this.counts[i] = (this.counts[i] as number) + 1;
        this.sum = sum;
        this.count++;
        if (value < this.min) this.min = value;
        if (value > this.max) this.max = value;
        captureExemplar(this.exemplars, this.attributes, value);
        return;
      }
    }
    this.refuse(value, true);
  }
}

/** The cells of one histogram, in creation order, with the cardinality limit applied. */
export class HistogramCellSet {
  readonly cells: HistogramCell[] = [];
  readonly #byKey = new Map<string, HistogramCell>();
  #overflow: HistogramCell | undefined;

  constructor(
    readonly boundaries: readonly number[],
    private readonly refuse: Refuse,
    /** Label sets allowed before the overflow cell (the reader's cardinality limit); read on each new set. */
    private readonly limits: { readonly cardinality: number },
    private readonly exemplars?: InstrumentExemplars,
  ) {}

  /** True once a new label set would go to the overflow cell: callers may skip building its attributes. */
  get full(): boolean {
    return this.#byKey.size >= this.limits.cardinality - 1;
  }

  /** The cell for `attributes` (one per distinct label set, whatever the key order), creating it on first use. */
  cell(attributes: Attributes): HistogramCell {
    if (attributes === OVERFLOW_ATTRIBUTES) return this.overflow();
    const key = canonicalKey(attributes);
    const found = this.#byKey.get(key);
    if (found !== undefined) return found;
    if (this.full) return this.overflow();
    const cell = new HistogramCell(Object.isFrozen(attributes) ? attributes : Object.freeze({ ...attributes }), this.boundaries, this.refuse, this.exemplars);
    this.#byKey.set(key, cell);
    this.cells.push(cell);
    return cell;
  }

  /** The shared `otel.metric.overflow=true` cell. */
  overflow(): HistogramCell {
    if (this.#overflow === undefined) {
      this.#overflow = new HistogramCell(OVERFLOW_ATTRIBUTES, this.boundaries, this.refuse, this.exemplars);
      this.cells.push(this.#overflow);
    }
    return this.#overflow;
  }
}
