/**
 * Decodes a remote-write request body (snappy, then `prometheus.WriteRequest`) with the test's
 * own snappy and protobuf readers, independent of promkit's encoders.
 */
import { bytesOf, doubleOf, readFields, stringOf, varintOf } from './protobuf-reader.js';
import { snappyDecode } from './snappy-decode.js';

export interface DecodedSeries {
  /** Label pairs in wire order (the spec requires them sorted by name). */
  readonly labelNames: string[];
  readonly labels: Record<string, string>;
  readonly samples: { value: number; timestampMillis: number }[];
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
    return { labelNames, labels, samples };
  });
}
