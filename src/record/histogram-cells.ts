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
import type { Attributes } from '@opentelemetry/api';
import { captureExemplar, type InstrumentExemplars } from './exemplars.js';
import { hrNow } from './hr-time.js';
import { canonicalKey } from './labels.js';
import { SeriesStore, type LabelRefusal, type StoredCell } from './series.js';
import type { BoundHistogram } from './types.js';

export { hrNow };

/** The SDK's boundaries for a histogram without advice or view (OpenTelemetry's default, in ms). */
export const OTEL_DEFAULT_BOUNDARIES: readonly number[] = Object.freeze([0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);

/** Called with a refused value; the instrument counts and warns. */
type Refuse = (value: unknown, nonNegative: boolean) => void;

export class HistogramCell implements BoundHistogram, StoredCell {
  /** One count per bucket: `counts[i]` holds values `<= boundaries[i]`, the last one the rest (`+Inf`). */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  startTime = hrNow();
  // What the store keeps (see `series.ts`).
  idle = false;
  owner: SeriesStore<StoredCell> | undefined = undefined;
  home: SeriesStore<StoredCell> | undefined = undefined;
  seen = 0;

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
        if (this.idle) this.wake();
        captureExemplar(this.exemplars, this.attributes, value);
        return;
      }
    }
    this.refuse(value, true);
  }

  private wake(): void {
    this.idle = false;
    if (this.owner === undefined) this.home?.readmit(this);
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.startTime = hrNow();
  }

  moveInto(other: StoredCell): void {
    const target = other as HistogramCell;
    for (let i = 0; i < this.counts.length; i++) target.counts[i] = (target.counts[i] as number) + (this.counts[i] as number);
    target.sum += this.sum;
    target.count += this.count;
    if (this.min < target.min) target.min = this.min;
    if (this.max > target.max) target.max = this.max;
    this.reset();
  }
}

/** Options a histogram instrument gives its cell set: its declared labels and where refusals are counted. */
export interface HistogramCellSetOptions {
  readonly keys: readonly string[];
  readonly refused: LabelRefusal;
  readonly now: () => number;
}

/**
 * The cells of one histogram, in admission order, capped for the life of the process (see
 * `series.ts`). Without declared keys (cells made from attributes only) label sets are told
 * apart by their sorted keys.
 */
export class HistogramCellSet extends SeriesStore<HistogramCell> {
  constructor(
    readonly boundaries: readonly number[],
    refuse: Refuse,
    /** Label sets allowed before the overflow cell (the reader's cardinality limit); read on each new set. */
    limits: { readonly cardinality: number },
    exemplars?: InstrumentExemplars,
    options?: HistogramCellSetOptions,
  ) {
    // The cells scan an unfrozen copy: a frozen array's elements are boxed and its keyed loads
    // generic, which made a bound record several times slower than its bucket scan.
    const scan = Array.from(boundaries, (boundary) => boundary);
    super({
      keys: options?.keys ?? [],
      create: (attributes) => new HistogramCell(attributes, scan, refuse, exemplars),
      limits,
      refused: options?.refused ?? (() => undefined),
      now: options?.now ?? (() => performance.now() / 1000),
      ...(options === undefined && { keyOf: canonicalKey }),
    });
  }
}
