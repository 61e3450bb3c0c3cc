/**
 * A minimal OTLP/HTTP metrics receiver for tests: a node:http server on a free loopback port that
 * accepts `POST /v1/metrics` (protobuf, optionally gzip) and decodes the parts of
 * `ExportMetricsServiceRequest` the tests assert on, with the test's own protobuf reader:
 *
 *   ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
 *   ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
 *   Resource { repeated KeyValue attributes = 1; }
 *   ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
 *   Metric { string name = 1; string unit = 3; Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10; }
 *   Sum { repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; bool is_monotonic = 3; }
 *   Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
 *   NumberDataPoint { double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
 *   HistogramDataPoint { fixed64 count = 4; double sum = 5; repeated fixed64 bucket_counts = 6;
 *                        repeated double explicit_bounds = 7; repeated KeyValue attributes = 9; }
 *   ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
 *   ExponentialHistogramDataPoint { repeated KeyValue attributes = 1; fixed64 count = 4; double sum = 5; sint32 scale = 6;
 *                                   fixed64 zero_count = 7; Buckets positive = 8; Buckets negative = 9; }
 *   Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
 *   KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { bytesOf, readFields, readVarint, stringOf, varintOf, type Field } from './protobuf-reader.js';

export interface OtlpHistogramPoint {
  readonly attributes: Record<string, string | number | boolean>;
  readonly count: number;
  readonly sum: number | undefined;
  readonly bucketCounts: number[];
  readonly explicitBounds: number[];
}

export interface OtlpExponentialPoint {
  readonly attributes: Record<string, string | number | boolean>;
  readonly count: number;
  readonly sum: number | undefined;
  readonly scale: number;
  readonly zeroCount: number;
  /** The positive buckets' counts, from `offset`. */
  readonly positive: { readonly offset: number; readonly counts: number[] };
}

export interface OtlpNumberPoint {
  readonly attributes: Record<string, string | number | boolean>;
  readonly value: number;
}

export interface OtlpMetric {
  readonly name: string;
  readonly unit: string;
  /** 1 delta, 2 cumulative. */
  readonly temporality: number | undefined;
  readonly histogram?: OtlpHistogramPoint[];
  readonly exponentialHistogram?: OtlpExponentialPoint[];
  readonly sum?: OtlpNumberPoint[];
}

export interface OtlpRequest {
  readonly headers: IncomingHttpHeaders;
  readonly resource: Record<string, string | number | boolean>;
  readonly metrics: OtlpMetric[];
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Every 8-byte value of a repeated fixed64/double field, packed (wire type 2) or not (wire type 1). */
function repeated64(fields: readonly Field[], number: number): DataView[] {
  const out: DataView[] = [];
  for (const f of fields) {
    if (f.field !== number) continue;
    const bytes = f.value as Uint8Array;
    for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(view(bytes.subarray(i, i + 8)));
  }
  return out;
}

function anyValue(bytes: Uint8Array): string | number | boolean {
  const [f] = readFields(bytes);
  if (f === undefined) return '';
  if (f.field === 1) return new TextDecoder().decode(f.value as Uint8Array);
  if (f.field === 2) return f.value === 1n;
  if (f.field === 3) return Number(BigInt.asIntN(64, f.value as bigint));
  if (f.field === 4) return view(f.value as Uint8Array).getFloat64(0, true);
  return `<field ${f.field}>`;
}

function attributes(fields: readonly Field[], number: number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of bytesOf(fields, number)) {
    const pair = readFields(kv);
    const [value] = bytesOf(pair, 2);
    out[stringOf(pair, 1) ?? ''] = value === undefined ? '' : anyValue(value);
  }
  return out;
}

function histogramPoint(bytes: Uint8Array): OtlpHistogramPoint {
  const f = readFields(bytes);
  const [count] = repeated64(f, 4);
  const [sum] = repeated64(f, 5);
  return {
    attributes: attributes(f, 9),
    count: count === undefined ? 0 : Number(count.getBigUint64(0, true)),
    sum: sum?.getFloat64(0, true),
    bucketCounts: repeated64(f, 6).map((d) => Number(d.getBigUint64(0, true))),
    explicitBounds: repeated64(f, 7).map((d) => d.getFloat64(0, true)),
  };
}

const unzigzag = (value: bigint): number => Number((value >> 1n) ^ -(value & 1n));

/** Buckets { offset, bucket_counts }: the counts are packed varints (or, unpacked, one field each). */
function buckets(bytes: Uint8Array | undefined): { offset: number; counts: number[] } {
  if (bytes === undefined) return { offset: 0, counts: [] };
  const f = readFields(bytes);
  const counts: number[] = [];
  for (const field of f) {
    if (field.field !== 2) continue;
    if (typeof field.value === 'bigint') {
      counts.push(Number(field.value));
      continue;
    }
    for (let at = 0; at < field.value.length; ) {
      const { value, next } = readVarint(field.value, at);
      counts.push(Number(value));
      at = next;
    }
  }
  const offset = varintOf(f, 1);
  return { offset: offset === undefined ? 0 : unzigzag(offset), counts };
}

function exponentialPoint(bytes: Uint8Array): OtlpExponentialPoint {
  const f = readFields(bytes);
  const [count] = repeated64(f, 4);
  const [sum] = repeated64(f, 5);
  const [zeroCount] = repeated64(f, 7);
  const scale = varintOf(f, 6);
  return {
    attributes: attributes(f, 1),
    count: count === undefined ? 0 : Number(count.getBigUint64(0, true)),
    sum: sum?.getFloat64(0, true),
    scale: scale === undefined ? 0 : unzigzag(scale),
    zeroCount: zeroCount === undefined ? 0 : Number(zeroCount.getBigUint64(0, true)),
    positive: buckets(bytesOf(f, 8)[0]),
  };
}

function numberPoint(bytes: Uint8Array): OtlpNumberPoint {
  const f = readFields(bytes);
  const [asDouble] = repeated64(f, 4);
  const [asInt] = repeated64(f, 6);
  return { attributes: attributes(f, 7), value: asDouble !== undefined ? asDouble.getFloat64(0, true) : Number(asInt?.getBigInt64(0, true) ?? 0n) };
}

export function decodeExportMetricsRequest(body: Uint8Array): { resource: Record<string, string | number | boolean>; metrics: OtlpMetric[] } {
  const metrics: OtlpMetric[] = [];
  let resource: Record<string, string | number | boolean> = {};
  for (const rm of bytesOf(readFields(body), 1)) {
    const rmFields = readFields(rm);
    const [resourceBytes] = bytesOf(rmFields, 1);
    if (resourceBytes !== undefined) resource = attributes(readFields(resourceBytes), 1);
    for (const sm of bytesOf(rmFields, 2)) {
      for (const m of bytesOf(readFields(sm), 2)) {
        const mf = readFields(m);
        const [histogram] = bytesOf(mf, 9);
        const [sum] = bytesOf(mf, 7);
        const [exponential] = bytesOf(mf, 10);
        const data = histogram ?? sum ?? exponential;
        const dataFields = data === undefined ? [] : readFields(data);
        const temporality = varintOf(dataFields, 2);
        metrics.push({
          name: stringOf(mf, 1) ?? '',
          unit: stringOf(mf, 3) ?? '',
          temporality: temporality === undefined ? undefined : Number(temporality),
          ...(histogram !== undefined && { histogram: bytesOf(dataFields, 1).map(histogramPoint) }),
          ...(sum !== undefined && { sum: bytesOf(dataFields, 1).map(numberPoint) }),
          ...(exponential !== undefined && { exponentialHistogram: bytesOf(dataFields, 1).map(exponentialPoint) }),
        });
      }
    }
  }
  return { resource, metrics };
}

export interface OtlpReceiver {
  readonly url: string;
  readonly requests: OtlpRequest[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/metrics') {
        response.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      requests.push({ headers: request.headers, ...decodeExportMetricsRequest(new Uint8Array(body)) });
      // An empty ExportMetricsServiceResponse.
      response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
