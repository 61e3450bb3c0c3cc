/**
 * Exemplars: the trace a measurement was recorded in, shown next to the counter or histogram
 * bucket it went to (OpenMetrics `# {trace_id="…",span_id="…"} value timestamp`). The
 * OpenTelemetry JavaScript SDK keeps no exemplars, so promkit does: for each instrument, the last
 * exemplar per series (counters) or per series and bucket (histograms), written on the record
 * path only while a sampled span is active, read by the OpenMetrics serializer.
 *
 * **The hook.** Every record path calls {@link captureExemplar} after recording, with the
 * instrument's {@link InstrumentExemplars} (from {@link ExemplarStore.instrument}), the series'
 * attributes and the value. Without an active span (no trace SDK installed, or outside any span)
 * it returns after one context lookup and allocates nothing.
 */
import { trace, TraceFlags, type Attributes, type SpanContext } from '@opentelemetry/api';
import { OTEL_API_GLOBAL } from '../warnings.js';
import { canonicalKey } from './labels.js';

/** One exemplar: the measured value, the span it was recorded in, and when (epoch milliseconds). */
export interface Exemplar {
  value: number;
  traceId: string;
  spanId: string;
  timestampMs: number;
}

/**
 * OpenMetrics caps an exemplar's label set at 128 UTF-8 characters (names and values together).
 * `trace_id` and `span_id` with W3C ids take 63; anything longer (a non-standard id generator) is
 * not kept.
 */
export const EXEMPLAR_LABELS_MAX = 128;
const LABEL_NAMES_LENGTH = 'trace_id'.length + 'span_id'.length;

/** Upper bound of a bucket index search: the first boundary >= value, or `boundaries.length` (`+Inf`). */
function slotOf(boundaries: readonly number[] | undefined, value: number): number {
  if (boundaries === undefined) return 0;
  let i = 0;
  while (i < boundaries.length && value > (boundaries[i] ?? Infinity)) i++;
  return i;
}

/** The exemplars of one instrument. Bounded by the cardinality limit it was created with. */
export class InstrumentExemplars {
  readonly #series = new Map<string, Array<Exemplar | undefined>>();
  /** Key cache: cells and the SDK reuse one attributes object per series. */
  readonly #keys = new WeakMap<Attributes, string>();

  constructor(
    /** The bucket boundaries measurements are spread over (histograms); undefined for counters. */
    readonly boundaries: readonly number[] | undefined,
    readonly limit: number,
  ) {}

  /** Keeps `value` as the latest exemplar of its series (and bucket). Call only inside a sampled span. */
  keep(attributes: Attributes, value: number, span: SpanContext): void {
    if (span.traceId.length + span.spanId.length + LABEL_NAMES_LENGTH > EXEMPLAR_LABELS_MAX) return;
    const key = this.#keyOf(attributes);
    let slots = this.#series.get(key);
    if (slots === undefined) {
      if (this.#series.size >= this.limit) return;
      slots = [];
      this.#series.set(key, slots);
    }
    const slot = slotOf(this.boundaries, value);
    const timestampMs = Date.now();
    const existing = slots[slot];
    if (existing === undefined) {
      slots[slot] = { value, traceId: span.traceId, spanId: span.spanId, timestampMs };
      return;
    }
    existing.value = value;
    existing.traceId = span.traceId;
    existing.spanId = span.spanId;
    existing.timestampMs = timestampMs;
  }

  /** The exemplars kept for the series with `attributes` (sparse, one slot per bucket), or undefined. */
  of(attributes: Attributes): ReadonlyArray<Exemplar | undefined> | undefined {
    if (this.#series.size === 0) return undefined;
    return this.#series.get(this.#keyOf(attributes));
  }

  /** Cells and the SDK keep one attributes object per series, so its key is computed once. */
  #keyOf(attributes: Attributes): string {
    let key = this.#keys.get(attributes);
    if (key === undefined) {
      key = canonicalKey(attributes);
      this.#keys.set(attributes, key);
    }
    return key;
  }
}

/** Reads exemplars by OTel instrument name and series attributes; what the serializer is given. */
export interface ExemplarReader {
  of(instrument: string, attributes: Attributes): ReadonlyArray<Exemplar | undefined> | undefined;
}

/** Exemplars of every instrument, by OTel name; one instrument name shares one entry. */
export class ExemplarStore implements ExemplarReader {
  readonly #instruments = new Map<string, InstrumentExemplars>();

  /** The entry for `name`, created on first use (`boundaries` for histograms; `limit`: series kept). */
  instrument(name: string, boundaries: readonly number[] | undefined, limit: number): InstrumentExemplars {
    let entry = this.#instruments.get(name);
    if (entry === undefined) {
      entry = new InstrumentExemplars(boundaries, limit);
      this.#instruments.set(name, entry);
    }
    return entry;
  }

  of(instrument: string, attributes: Attributes): ReadonlyArray<Exemplar | undefined> | undefined {
    return this.#instruments.get(instrument)?.of(attributes);
  }
}

/** The process-wide store the default facade writes and promkit's endpoint reads. */
export const EXEMPLARS = new ExemplarStore();

/** The OpenTelemetry API's global object, once anything has registered a global (a provider, a context manager). */
type ApiGlobal = { context?: unknown } | undefined;
let apiGlobal: ApiGlobal;
/** Whether the global object was looked for since the last collection (while there was none). */
let lookedUp = false;

/**
 * Whether a span could be active at all: only a registered context manager can make one active
 * (without it the API's active context is always the empty root context). The API keeps
 * registrations on one global object that it creates on the first registration and never
 * replaces; once seen, this is one property read, so a context manager registered or removed
 * later is seen on the next call. While there is no such object (nothing registered anything:
 * `start()` always does), it is looked for once per collection: a global symbol read that misses
 * costs more than the add it guards.
 */
function spansPossible(): boolean {
  const api = apiGlobal;
  if (api !== undefined) return api.context !== undefined;
  if (lookedUp) return false;
  lookedUp = true;
  apiGlobal = (globalThis as Record<symbol, ApiGlobal>)[OTEL_API_GLOBAL];
  return apiGlobal !== undefined && apiGlobal.context !== undefined;
}

/** Called at each collection: look for the API's global object again on the next record, if it was missing. */
export function recheckSpans(): void {
  lookedUp = false;
}

/**
 * Keeps an exemplar for a measurement just recorded, when it was recorded inside a sampled span.
 * Cheap when there is none: without a registered context manager no span can be active, which
 * costs one property read to know; with one, `trace.getActiveSpan()` is one context lookup, and
 * nothing is allocated until a sampled span is found.
 */
export function captureExemplar(target: InstrumentExemplars | undefined, attributes: Attributes, value: number): void {
  if (target === undefined || !spansPossible()) return;
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  const context = span.spanContext();
  if ((context.traceFlags & TraceFlags.SAMPLED) === 0) return;
  target.keep(attributes, value, context);
}
