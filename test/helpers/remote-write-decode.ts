/**
 * Decodes a remote-write request body (snappy, then `prometheus.WriteRequest`) with the test's
 * own snappy and protobuf readers, independent of promkit's encoders.
 */
import { bytesOf, doubleOf, readFields, readVarint, stringOf, varintOf } from './protobuf-reader.js';
import { snappyDecode } from './snappy-decode.js';

/** A remote-write native histogram with its buckets expanded: Prometheus index → count, per sign. */
export interface DecodedHistogram {
  readonly count: number;
  readonly sum: number;
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly positive: Map<number, number>;
  readonly negative: Map<number, number>;
  readonly timestampMillis: number;
}

const unzigzag = (value: bigint): number => Number(value % 2n === 0n ? value / 2n : -(value + 1n) / 2n);

/** Spans (offset, length) and delta-encoded counts, as absolute counts by bucket index (empty buckets left out). */
function expandBuckets(spans: Uint8Array[], packedDeltas: Uint8Array | undefined): Map<number, number> {
  const deltas: number[] = [];
  for (let at = 0; packedDeltas !== undefined && at < packedDeltas.length; ) {
    const { value, next } = readVarint(packedDeltas, at);
    deltas.push(unzigzag(value));
    at = next;
  }
  const counts = new Map<number, number>();
  let index = 0;
  let count = 0;
  let d = 0;
  for (const spanBytes of spans) {
    const span = readFields(spanBytes);
    index += unzigzag(varintOf(span, 1) ?? 0n);
    const length = Number(varintOf(span, 2) ?? 0n);
    for (let i = 0; i < length; i++, index++) {
      count += deltas[d++] ?? NaN;
      if (count !== 0) counts.set(index, count);
    }
  }
  return counts;
}

function decodeHistogram(bytes: Uint8Array): DecodedHistogram {
  const h = readFields(bytes);
  return {
    count: Number(varintOf(h, 1) ?? 0n),
    sum: doubleOf(h, 3) ?? 0,
    schema: unzigzag(varintOf(h, 4) ?? 0n),
    zeroThreshold: doubleOf(h, 5) ?? 0,
    zeroCount: Number(varintOf(h, 6) ?? 0n),
    negative: expandBuckets(bytesOf(h, 8), bytesOf(h, 9)[0]),
    positive: expandBuckets(bytesOf(h, 11), bytesOf(h, 12)[0]),
    timestampMillis: Number(varintOf(h, 15) ?? 0n),
  };
}

export interface DecodedSeries {
  /** Label pairs in wire order (the spec requires them sorted by name). */
  readonly labelNames: string[];
  readonly labels: Record<string, string>;
  readonly samples: { value: number; timestampMillis: number }[];
  /** Native histograms (field 4), present only when the series has some. */
  readonly histograms?: DecodedHistogram[];
}

export function decodeWriteRequest(body: Uint8Array): DecodedSeries[] {
  const request = readFields(snappyDecode(body).data);
  return bytesOf(request, 1).map((seriesBytes) => {
    const series = readFields(seriesBytes);
    const labelNames: string[] = [];
    const labels: Record<string, string> = {};
    for (const labelBytes of bytesOf(series, 1)) {
      const label = readFields(labelBytes);
      const name = stringOf(label, 1) ?? '';
      labelNames.push(name);
      labels[name] = stringOf(label, 2) ?? '';
    }
    const samples = bytesOf(series, 2).map((sampleBytes) => {
      const sample = readFields(sampleBytes);
      return { value: doubleOf(sample, 1) ?? 0, timestampMillis: Number(varintOf(sample, 2) ?? 0n) };
    });
    const histograms = bytesOf(series, 4).map(decodeHistogram);
    return histograms.length === 0 ? { labelNames, labels, samples } : { labelNames, labels, samples, histograms };
  });
}
