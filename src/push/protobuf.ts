/**
 * The Prometheus remote-write 1.0 request body
 * (https://prometheus.io/docs/specs/prw/remote_write_spec/), from `prompb/remote.proto` and
 * `prompb/types.proto`, reduced to the fields a sender needs:
 *
 *     message WriteRequest { repeated TimeSeries timeseries = 1; }
 *     message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; repeated Histogram histograms = 4; }
 *     message Label        { string name = 1; string value = 2; }
 *     message Sample       { double value = 1; int64 timestamp = 2; }  // milliseconds since the epoch
 *     message Histogram    { uint64 count_int = 1; double sum = 3; sint32 schema = 4; double zero_threshold = 5;
 *                            uint64 zero_count_int = 6; BucketSpan negative_spans = 8; sint64 negative_deltas = 9;
 *                            BucketSpan positive_spans = 11; sint64 positive_deltas = 12; int64 timestamp = 15; }
 *     message BucketSpan   { sint32 offset = 1; uint32 length = 2; }
 *
 * `Histogram` is the native (sparse exponential) histogram of the Prometheus TSDB, with integer
 * counts; its `reset_hint` is left UNKNOWN (0), so the store detects resets from the counts, as it
 * does for scraped native histograms.
 */
import type { SparseBuckets } from '../exposition/protobuf.js';
import { ProtobufWriter } from '../exposition/protobuf-writer.js';
import { yieldToLoop } from '../yield.js';

export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Sample {
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly timestampMillis: number;
}

/** One native histogram sample: buckets in Prometheus's sparse form at `schema` (-4 to 8). */
export interface HistogramSample {
  readonly count: number;
  readonly sum: number;
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly negative: SparseBuckets;
  readonly positive: SparseBuckets;
  /** Milliseconds since the Unix epoch. */
  readonly timestampMillis: number;
}

/** One series: labels sorted by name, `__name__` among them (the spec's MUSTs), samples (or histograms) oldest first. */
export interface TimeSeries {
  readonly labels: readonly Label[];
  readonly samples: readonly Sample[];
  readonly histograms?: readonly HistogramSample[];
}

/** Bytes reserved up front per series: a typical series (a few labels, one sample) fits without regrowing. */
const BYTES_PER_SERIES = 160;
/** Series written between two looks at the clock: reading it per series would cost more than the series. */
const SERIES_PER_CLOCK_CHECK = 64;

function writeSpans(writer: ProtobufWriter, spanField: number, deltaField: number, buckets: SparseBuckets): void {
  for (const span of buckets.spans) {
    const start = writer.begin(spanField);
    writer.sint64(1, span.offset);
    writer.int64(2, span.length);
    writer.end(start);
  }
  writer.packedSint64(deltaField, buckets.deltas);
}

function writeHistogram(writer: ProtobufWriter, histogram: HistogramSample): void {
  const start = writer.begin(4);
  writer.int64(1, histogram.count);
  writer.double(3, histogram.sum);
  writer.sint64(4, histogram.schema);
  writer.double(5, histogram.zeroThreshold);
  writer.int64(6, histogram.zeroCount);
  writeSpans(writer, 8, 9, histogram.negative);
  writeSpans(writer, 11, 12, histogram.positive);
  writer.int64(15, histogram.timestampMillis);
  writer.end(start);
}

/** One `TimeSeries` message in `WriteRequest.timeseries = 1`. */
function writeSeries(writer: ProtobufWriter, series: TimeSeries): void {
  const start = writer.begin(1);
  for (const label of series.labels) {
    const l = writer.begin(1);
    writer.string(1, label.name).string(2, label.value);
    writer.end(l);
  }
  for (const sample of series.samples) {
    const s = writer.begin(2);
    writer.double(1, sample.value).int64(2, sample.timestampMillis);
    writer.end(s);
  }
  if (series.histograms !== undefined) for (const histogram of series.histograms) writeHistogram(writer, histogram);
  writer.end(start);
}

/** The protobuf encoding of `WriteRequest{timeseries}` (before snappy), in one synchronous step. */
export function encodeWriteRequest(timeseries: readonly TimeSeries[]): Uint8Array {
  const writer = new ProtobufWriter(BYTES_PER_SERIES * Math.max(1, timeseries.length));
  for (const series of timeseries) writeSeries(writer, series);
  return writer.finish();
}

/**
 * The same bytes as {@link encodeWriteRequest}, taking series from `timeseries` as they are
 * made and giving the event loop a turn whenever `sliceBudgetMs` of work is used up, as the
 * scrape's serializer does: a push of 100k series must not stall the app for the whole encode.
 */
export async function encodeWriteRequestInSlices(timeseries: Iterable<TimeSeries>, sliceBudgetMs: number): Promise<Uint8Array> {
  const writer = new ProtobufWriter(64 * 1024);
  let deadline = performance.now() + sliceBudgetMs;
  let sinceCheck = 0;
  for (const series of timeseries) {
    writeSeries(writer, series);
    if (++sinceCheck < SERIES_PER_CLOCK_CHECK) continue;
    sinceCheck = 0;
    if (performance.now() > deadline) {
      await yieldToLoop();
      deadline = performance.now() + sliceBudgetMs;
    }
  }
  return writer.finish();
}
