/**
 * The Prometheus protobuf exposition (`application/vnd.google.protobuf;
 * proto=io.prometheus.client.MetricFamily; encoding=delimited`): a sequence of `MetricFamily`
 * messages (`io/prometheus/client/metrics.proto` in prometheus/client_model), each preceded by its
 * length as a varint. It is the only format that carries native histograms.
 *
 * The encoder is hand-written: the format needs five wire operations (varint, zigzag varint,
 * fixed64 double, length-delimited bytes, packed repeated) over eight small message types, which
 * is less code than the schema and glue a protobuf library would need, and adds no dependency.
 * Field numbers are written out below with the message they belong to.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { ExponentialHistogram, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Exemplar, ExemplarReader } from '../record/exemplars.js';
import { bucketIndex, cumulativeCounts } from './buckets.js';
import { collectFamilies, warnOnce, type Family, type Part } from './families.js';
import { labelPairs, type LabelPairs } from './format.js';
import { ProtobufWriter } from './protobuf-writer.js';
import type { SerializeOptions } from './serializer.js';
import { yieldToLoop } from '../yield.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** Wire types. */

/** `MetricType` enum values. */
const METRIC_TYPE = { counter: 0, gauge: 1, histogram: 4 } as const;

/** Prometheus native histogram schemas (OTel scales map to them one to one). */
export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;

/**
 * The zero bucket's width as written: client_golang's default, 2^-128. The SDK's zero bucket
 * holds exact zeros only, and any positive width makes every Prometheus release parse the
 * histogram as native, even one without observations yet (an empty histogram with width 0 looks
 * classic to Prometheus 2.x). No latency or size lives in (0, 2^-128].
 */
export const ZERO_THRESHOLD = 2 ** -128;

/** `LabelPair { name = 1; value = 2 }`, as `Metric.label = 1` or `Exemplar.label = 1`. */
function writeLabels(writer: ProtobufWriter, pairs: LabelPairs, renameLe = false): void {
  for (let i = 0; i < pairs.names.length; i++) {
    const start = writer.begin(1);
    const name = pairs.names[i] ?? '';
    writer.string(1, renameLe && name === 'le' ? 'key_le' : name);
    writer.string(2, pairs.values[i] ?? '');
    writer.end(start);
  }
}

/** `google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2 }` in field `field`. */
function writeTimestamp(writer: ProtobufWriter, field: number, seconds: number, nanos: number): void {
  const start = writer.begin(field);
  writer.int64(1, seconds);
  if (nanos > 0) writer.int64(2, nanos);
  writer.end(start);
}

function writeCreated(writer: ProtobufWriter, field: number, start: HrTime | undefined): void {
  if (start !== undefined) writeTimestamp(writer, field, start[0], start[1]);
}

/** `Exemplar { label = 1; double value = 2; Timestamp timestamp = 3 }`. */
function writeExemplar(writer: ProtobufWriter, field: number, exemplar: Exemplar | undefined): void {
  if (exemplar === undefined) return;
  const start = writer.begin(field);
  writeLabels(writer, { names: ['trace_id', 'span_id'], values: [exemplar.traceId, exemplar.spanId] });
  writer.double(2, exemplar.value);
  writeTimestamp(writer, 3, Math.floor(exemplar.timestampMs / 1000), (exemplar.timestampMs % 1000) * 1e6);
  writer.end(start);
}

const pairsCache = new WeakMap<Attributes, LabelPairs>();

/** The point's label pairs (cached per attributes object) with its scope's. */
function pairsOf<T>(part: Part<T>, attributes: Attributes): LabelPairs {
  let pairs = pairsCache.get(attributes);
  if (pairs === undefined) {
    pairs = labelPairs(attributes);
    pairsCache.set(attributes, pairs);
  }
  const scope = part.scopePairs;
  return scope === undefined ? pairs : { names: [...pairs.names, ...scope.names], values: [...pairs.values, ...scope.values] };
}

/** Buckets of one sign in Prometheus's sparse form: spans of consecutive indices and delta-encoded counts. */
export interface SparseBuckets {
  readonly spans: ReadonlyArray<{ readonly offset: number; readonly length: number }>;
  readonly deltas: readonly number[];
}

/**
 * OTel dense buckets (`offset`, `counts` at `scale`) as Prometheus spans and deltas at `schema`
 * (`schema <= scale`). OTel bucket `i` holds `(base^i, base^(i+1)]`, Prometheus bucket `i` holds
 * `(base^(i-1), base^i]`: the index moves up by one. Going down `scale - schema` steps merges
 * 2^steps neighbouring buckets (`i >> steps`). Runs of empty buckets longer than two start a new
 * span, as client_golang does.
 */
export function sparseBuckets(offset: number, counts: readonly number[], scale: number, schema: number): SparseBuckets {
  const steps = scale - schema;
  const indices: number[] = [];
  const merged: number[] = [];
  for (let k = 0; k < counts.length; k++) {
    const count = counts[k] ?? 0;
    if (count === 0) continue;
    const index = Math.floor((offset + k) / 2 ** steps) + 1;
    if (indices.at(-1) === index) merged[merged.length - 1] = (merged.at(-1) ?? 0) + count;
    else {
      indices.push(index);
      merged.push(count);
    }
  }
  const spans: Array<{ offset: number; length: number }> = [];
  const deltas: number[] = [];
  let previousIndex = 0;
  let previousCount = 0;
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] ?? 0;
    const gap = index - previousIndex - 1;
    const span = spans.at(-1);
    if (span !== undefined && gap <= 2) {
      // Fill a short gap with empty buckets instead of a new span.
      for (let g = 0; g < gap; g++) {
        deltas.push(-previousCount);
        previousCount = 0;
      }
      span.length += gap + 1;
    } else {
      spans.push({ offset: span === undefined ? index : gap, length: 1 });
    }
    const count = merged[i] ?? 0;
    deltas.push(count - previousCount);
    previousCount = count;
    previousIndex = index;
  }
  return { spans, deltas };
}

function writeSparse(writer: ProtobufWriter, spanField: number, deltaField: number, sparse: SparseBuckets): void {
  for (const span of sparse.spans) {
    const start = writer.begin(spanField);
    writer.sint64(1, span.offset);
    writer.int64(2, span.length);
    writer.end(start);
  }
  writer.packedSint64(deltaField, sparse.deltas);
}

/** The native fields of `Histogram`: schema = 5, zero_threshold = 6, zero_count = 7, spans 9/12, deltas 10/13. */
function writeNative(writer: ProtobufWriter, histogram: ExponentialHistogram, name: string): void {
  if (histogram.scale < MIN_SCHEMA) {
    // Impossible with the SDK's 160 buckets (it would take a range beyond doubles); said once rather than written wrong.
    warnOnce(`schema:${name}`, `promkit: native histogram "${name}" has scale ${histogram.scale}, below Prometheus's ${MIN_SCHEMA}; its buckets are left out.`);
    return;
  }
  const schema = Math.min(histogram.scale, MAX_SCHEMA);
  writer.sint64(5, schema);
  writer.double(6, ZERO_THRESHOLD);
  writer.int64(7, histogram.zeroCount);
  const negative = sparseBuckets(histogram.negative.offset, histogram.negative.bucketCounts, histogram.scale, schema);
  const positive = sparseBuckets(histogram.positive.offset, histogram.positive.bucketCounts, histogram.scale, schema);
  // An empty histogram still gets a no-op span: newer Prometheus releases read that as "native".
  writeSparse(writer, 9, 10, negative);
  writeSparse(writer, 12, 13, positive.spans.length === 0 && negative.spans.length === 0 ? { spans: [{ offset: 0, length: 0 }], deltas: [] } : positive);
}

interface Encoder {
  readonly writer: ProtobufWriter;
  readonly exemplars: ExemplarReader | undefined;
  readonly cumulative: number[];
}

function writeNumberMetric(encoder: Encoder, family: Family, part: Part<number>, point: Part<number>['points'][number]): void {
  const { writer } = encoder;
  const start = writer.begin(4);
  writeLabels(writer, pairsOf(part, point.attributes));
  if (family.kind === 'counter') {
    // Counter { double value = 1; Exemplar exemplar = 2; Timestamp created_timestamp = 3 } in Metric.counter = 3.
    const counter = writer.begin(3);
    writer.double(1, point.value);
    writeExemplar(writer, 2, encoder.exemplars?.of(family.otelName, point.attributes)?.[0]);
    writeCreated(writer, 3, point.startTime);
    writer.end(counter);
  } else {
    // Gauge { double value = 1 } in Metric.gauge = 2.
    const gauge = writer.begin(2);
    writer.double(1, point.value);
    writer.end(gauge);
  }
  writer.end(start);
}

/** One histogram series: classic buckets (Bucket { cumulative_count = 1; upper_bound = 2; exemplar = 3 }), native fields, or both. */
function writeHistogramMetric(
  encoder: Encoder,
  family: Family,
  pairs: LabelPairs,
  attributes: Attributes,
  classic: Histogram | undefined,
  native: ExponentialHistogram | undefined,
  startTime: HrTime | undefined,
): void {
  const { writer } = encoder;
  const metric = writer.begin(4);
  writeLabels(writer, pairs, true);
  const histogram = writer.begin(7);
  const summary = native ?? classic;
  writer.int64(1, summary?.count ?? 0);
  writer.double(2, summary?.sum ?? 0);
  const kept = encoder.exemplars?.of(family.otelName, attributes);
  if (classic !== undefined) {
    const boundaries = classic.buckets.boundaries;
    const cumulative = cumulativeCounts(classic.buckets.counts, encoder.cumulative);
    // The +Inf bucket is implied by sample_count, as client_golang writes it, unless it has an
    // exemplar to carry: then it is written out, as client_golang does too.
    const infExemplar = kept === undefined ? undefined : latestIn(kept, boundaries, boundaries.length);
    const last = infExemplar === undefined ? boundaries.length : boundaries.length + 1;
    for (let b = 0; b < last; b++) {
      const bucket = writer.begin(3);
      writer.int64(1, cumulative[b] ?? 0);
      writer.double(2, boundaries[b] ?? Infinity);
      if (kept !== undefined) writeExemplar(writer, 3, b < boundaries.length ? latestIn(kept, boundaries, b) : infExemplar);
      writer.end(bucket);
    }
  }
  if (native !== undefined) writeNative(writer, native, family.name);
  writeCreated(writer, 15, startTime);
  // A native-only histogram has no buckets to hang exemplars on: `Histogram.exemplars = 16` holds them (each with its timestamp, as required).
  if (classic === undefined && native !== undefined && kept !== undefined) for (const exemplar of kept) writeExemplar(writer, 16, exemplar);
  writer.end(histogram);
  writer.end(metric);
}

function latestIn(kept: ReadonlyArray<Exemplar | undefined>, boundaries: readonly number[], bucket: number): Exemplar | undefined {
  let latest: Exemplar | undefined;
  for (const exemplar of kept) {
    if (exemplar === undefined || bucketIndex(boundaries, exemplar.value) !== bucket) continue;
    if (latest === undefined || latest.timestampMs <= exemplar.timestampMs) latest = exemplar;
  }
  return latest;
}

/** A histogram family: each label set once, with its classic buckets and its native ones when it has both. */
function writeHistogramFamily(encoder: Encoder, family: Extract<Family, { kind: 'histogram' }>): void {
  const series = new Map<string, { pairs: LabelPairs; attributes: Attributes; classic?: Histogram; native?: ExponentialHistogram; startTime?: HrTime }>();
  const keyOf = (pairs: LabelPairs) => JSON.stringify([pairs.names, pairs.values]);
  for (const part of family.native) {
    for (const point of part.points) {
      const pairs = pairsOf(part, point.attributes);
      series.set(keyOf(pairs), { pairs, attributes: point.attributes, native: point.value, ...(point.startTime && { startTime: point.startTime }) });
    }
  }
  if (series.size === 0) {
    // The common case (classic only): no map needed.
    for (const part of family.parts) {
      for (const point of part.points) {
        writeHistogramMetric(encoder, family, pairsOf(part, point.attributes), point.attributes, point.value, undefined, point.startTime);
      }
    }
    return;
  }
  for (const part of family.parts) {
    for (const point of part.points) {
      const pairs = pairsOf(part, point.attributes);
      const key = keyOf(pairs);
      const entry = series.get(key);
      if (entry === undefined) series.set(key, { pairs, attributes: point.attributes, classic: point.value, ...(point.startTime && { startTime: point.startTime }) });
      else entry.classic = point.value;
    }
  }
  for (const entry of series.values()) {
    writeHistogramMetric(encoder, family, entry.pairs, entry.attributes, entry.classic, entry.native, entry.startTime);
  }
}

/** One delimited `MetricFamily { name = 1; help = 2; type = 3; metric = 4; unit = 5 }`. */
function writeFamily(encoder: Encoder, family: Family): void {
  const { writer } = encoder;
  const start = writer.beginDelimited();
  writer.string(1, family.name);
  writer.string(2, family.help);
  writer.int64(3, METRIC_TYPE[family.kind]);
  if (family.kind === 'histogram') writeHistogramFamily(encoder, family);
  else for (const part of family.parts) for (const point of part.points) writeNumberMetric(encoder, family, part, point);
  if (family.unit !== '') writer.string(5, family.unit);
  writer.end(start);
}

function writeTargetInfo(writer: ProtobufWriter, resourceMetrics: ResourceMetrics): void {
  const start = writer.beginDelimited();
  writer.string(1, 'target_info');
  writer.string(2, 'Target metadata');
  writer.int64(3, METRIC_TYPE.gauge);
  const metric = writer.begin(4);
  writeLabels(writer, labelPairs(resourceMetrics.resource.attributes));
  const gauge = writer.begin(2);
  writer.double(1, 1);
  writer.end(gauge);
  writer.end(metric);
  writer.end(start);
}

/**
 * The protobuf exposition of one collection as chunks of bytes, one family at a time, yielding to
 * the event loop whenever a slice of `sliceBudgetMs` is used up (as the text serializer does).
 */
export async function encodeProtobufInSlices(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}, sliceBudgetMs = 5): Promise<Buffer[]> {
  // As the text serializer does: never in the same loop turn as the collection.
  await yieldToLoop();
  const encoder: Encoder = { writer: new ProtobufWriter(), exemplars: options.exemplars, cumulative: [] };
  const chunks: Buffer[] = [];
  if (options.targetInfo !== false) writeTargetInfo(encoder.writer, resourceMetrics);
  let deadline = performance.now() + sliceBudgetMs;
  for (const family of collectFamilies(resourceMetrics, options)) {
    writeFamily(encoder, family);
    if (performance.now() > deadline) {
      chunks.push(encoder.writer.take());
      await yieldToLoop();
      deadline = performance.now() + sliceBudgetMs;
    }
  }
  chunks.push(encoder.writer.take());
  return chunks;
}

/** The same bytes in one synchronous step. */
export function encodeProtobuf(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}): Buffer {
  const encoder: Encoder = { writer: new ProtobufWriter(), exemplars: options.exemplars, cumulative: [] };
  if (options.targetInfo !== false) writeTargetInfo(encoder.writer, resourceMetrics);
  for (const family of collectFamilies(resourceMetrics, options)) writeFamily(encoder, family);
  return encoder.writer.take();
}
