/**
 * The form a worker's collection travels in over the cluster IPC channel, and the messages of
 * the protocol. Plain JSON, because the channel's default serialisation is JSON: numbers that
 * JSON cannot carry (`Infinity`, `NaN`, e.g. an empty histogram's min) travel as strings.
 * Exponential (native) histograms travel too, so the primary can serve them as the workers
 * recorded them.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

/** A number, or the name of a non-finite one (`"Infinity"`, `"-Infinity"`, `"NaN"`). */
type WireNumber = number | string;

export interface WireHistogram {
  readonly boundaries: readonly number[];
  readonly counts: readonly number[];
  readonly sum?: WireNumber;
  readonly count: number;
  readonly min?: WireNumber;
  readonly max?: WireNumber;
}

/** One sign's buckets of an exponential histogram: counts of consecutive indices from `offset`. */
export interface WireBuckets {
  readonly offset: number;
  readonly counts: readonly number[];
}

export interface WireExponentialHistogram {
  readonly scale: number;
  readonly zeroCount: number;
  readonly positive: WireBuckets;
  readonly negative: WireBuckets;
  readonly sum?: WireNumber;
  readonly count: number;
  readonly min?: WireNumber;
  readonly max?: WireNumber;
}

export interface WirePoint {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly value: WireNumber | WireHistogram | WireExponentialHistogram;
}

export interface WireMetric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly valueType: number;
  readonly dataPointType: DataPointType.SUM | DataPointType.GAUGE | DataPointType.HISTOGRAM | DataPointType.EXPONENTIAL_HISTOGRAM;
  readonly temporality: AggregationTemporality;
  readonly isMonotonic?: boolean;
  readonly points: readonly WirePoint[];
}

export interface WireScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly metrics: readonly WireMetric[];
}

/** A worker's collection; the resource stays behind (the primary serves its own). */
export interface WireCollection {
  readonly scopes: readonly WireScope[];
}

/** Every protocol message carries this key, so app messages on the same channel are told apart. */
export const MESSAGE_KEY = 'promkit';

/** Primary → worker: collect now, within `timeoutMillis`, and answer with `requestId`. */
export interface CollectRequest {
  readonly promkit: 'cluster.collect';
  readonly requestId: number;
  readonly timeoutMillis: number;
}

/** Worker → primary: promkit runs here and answers collect requests. */
export interface ReadyMessage {
  readonly promkit: 'cluster.ready';
}

/** Worker → primary: the answer to one collect request. */
export interface CollectReply {
  readonly promkit: 'cluster.collection';
  readonly requestId: number;
  readonly collection?: WireCollection;
  readonly error?: string;
}

/** Worker → primary: its last totals, sent when promkit shuts down in the worker. */
export interface FinalMessage {
  readonly promkit: 'cluster.final';
  readonly collection: WireCollection;
}

export type WorkerMessage = ReadyMessage | CollectReply | FinalMessage;

/** Whether an IPC message is one of promkit's (of the given type). */
export function isMessage<T extends { readonly promkit: string }>(message: unknown, type: T['promkit']): message is T {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>)[MESSAGE_KEY] === type;
}

function encodeNumber(value: number): WireNumber {
  return Number.isFinite(value) ? value : String(value);
}

function decodeNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value);
  throw new TypeError(`not a number: ${JSON.stringify(value)}`);
}

function encodeHistogram(value: Histogram): WireHistogram {
  return {
    boundaries: value.buckets.boundaries,
    counts: value.buckets.counts,
    count: value.count,
    ...(value.sum !== undefined && { sum: encodeNumber(value.sum) }),
    ...(value.min !== undefined && { min: encodeNumber(value.min) }),
    ...(value.max !== undefined && { max: encodeNumber(value.max) }),
  };
}

function encodeExponential(value: ExponentialHistogram): WireExponentialHistogram {
  return {
    scale: value.scale,
    zeroCount: value.zeroCount,
    positive: { offset: value.positive.offset, counts: value.positive.bucketCounts },
    negative: { offset: value.negative.offset, counts: value.negative.bucketCounts },
    count: value.count,
    ...(value.sum !== undefined && { sum: encodeNumber(value.sum) }),
    ...(value.min !== undefined && { min: encodeNumber(value.min) }),
    ...(value.max !== undefined && { max: encodeNumber(value.max) }),
  };
}

function encodeMetric(metric: MetricData): WireMetric {
  const { descriptor } = metric;
  const points: WirePoint[] = [];
  for (const point of metric.dataPoints as DataPoint<number | Histogram | ExponentialHistogram>[]) {
    const value = typeof point.value === 'number' ? encodeNumber(point.value) : 'scale' in point.value ? encodeExponential(point.value) : encodeHistogram(point.value);
    points.push({ attributes: point.attributes, startTime: point.startTime, endTime: point.endTime, value });
  }
  return {
    name: descriptor.name,
    description: descriptor.description,
    unit: descriptor.unit,
    valueType: descriptor.valueType,
    dataPointType: metric.dataPointType,
    temporality: metric.aggregationTemporality,
    ...(metric.dataPointType === DataPointType.SUM && { isMonotonic: metric.isMonotonic }),
    points,
  };
}

/** A collection as plain JSON. */
export function toWire(resourceMetrics: ResourceMetrics): WireCollection {
  return {
    scopes: resourceMetrics.scopeMetrics.map((scopeMetrics) => ({
      name: scopeMetrics.scope.name,
      ...(scopeMetrics.scope.version !== undefined && { version: scopeMetrics.scope.version }),
      ...(scopeMetrics.scope.schemaUrl !== undefined && { schemaUrl: scopeMetrics.scope.schemaUrl }),
      metrics: scopeMetrics.metrics.map(encodeMetric),
    })),
  };
}

function decodeHrTime(value: unknown): HrTime {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || typeof value[1] !== 'number') {
    throw new TypeError(`not a time: ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

function decodeHistogram(value: WireHistogram): Histogram {
  if (!Array.isArray(value.boundaries) || !Array.isArray(value.counts) || value.counts.length !== value.boundaries.length + 1) {
    throw new TypeError('a histogram needs one more count than boundaries');
  }
  return {
    buckets: { boundaries: value.boundaries.map(decodeNumber), counts: value.counts.map(decodeNumber) },
    count: decodeNumber(value.count),
    ...(value.sum !== undefined && { sum: decodeNumber(value.sum) }),
    ...(value.min !== undefined && { min: decodeNumber(value.min) }),
    ...(value.max !== undefined && { max: decodeNumber(value.max) }),
  };
}

function decodeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${what} is not an integer: ${JSON.stringify(value)}`);
  return value;
}

function decodeBuckets(value: WireBuckets | undefined): { offset: number; bucketCounts: number[] } {
  if (typeof value !== 'object' || value === null || !Array.isArray(value.counts)) throw new TypeError('exponential buckets need an offset and counts');
  return { offset: decodeInteger(value.offset, 'a bucket offset'), bucketCounts: value.counts.map((count) => decodeInteger(count, 'a bucket count')) };
}

function decodeExponential(value: WireExponentialHistogram): ExponentialHistogram {
  if (typeof value !== 'object' || value === null) throw new TypeError('not an exponential histogram');
  return {
    scale: decodeInteger(value.scale, 'a scale'),
    zeroCount: decodeInteger(value.zeroCount, 'a zero count'),
    positive: decodeBuckets(value.positive),
    negative: decodeBuckets(value.negative),
    count: decodeNumber(value.count),
    ...(value.sum !== undefined && { sum: decodeNumber(value.sum) }),
    ...(value.min !== undefined && { min: decodeNumber(value.min) }),
    ...(value.max !== undefined && { max: decodeNumber(value.max) }),
  };
}

function decodeMetric(metric: WireMetric): MetricData {
  if (typeof metric?.name !== 'string' || !Array.isArray(metric.points)) throw new TypeError('a metric needs a name and points');
  const descriptor: MetricDescriptor = {
    name: metric.name,
    description: String(metric.description ?? ''),
    unit: String(metric.unit ?? ''),
    valueType: decodeNumber(metric.valueType),
  };
  const base = { descriptor, aggregationTemporality: metric.temporality ?? AggregationTemporality.CUMULATIVE };
  const points = <T>(value: (raw: WirePoint['value']) => T): DataPoint<T>[] =>
    metric.points.map((point) => ({
      attributes: typeof point.attributes === 'object' && point.attributes !== null ? point.attributes : {},
      startTime: decodeHrTime(point.startTime),
      endTime: decodeHrTime(point.endTime),
      value: value(point.value),
    }));
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
      return { ...base, dataPointType: DataPointType.HISTOGRAM, dataPoints: points((raw) => decodeHistogram(raw as WireHistogram)) };
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return { ...base, dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM, dataPoints: points((raw) => decodeExponential(raw as WireExponentialHistogram)) };
    case DataPointType.SUM:
      return { ...base, dataPointType: DataPointType.SUM, isMonotonic: metric.isMonotonic === true, dataPoints: points(decodeNumber) };
    case DataPointType.GAUGE:
      return { ...base, dataPointType: DataPointType.GAUGE, dataPoints: points(decodeNumber) };
    default:
      throw new TypeError(`unknown data point type ${JSON.stringify(metric.dataPointType)}`);
  }
}

/**
 * The scopes of a worker's collection, as the SDK's types; throws a `TypeError` on a malformed
 * one (the primary counts that worker as missed).
 */
export function fromWire(collection: WireCollection): ScopeMetrics[] {
  if (!Array.isArray(collection?.scopes)) throw new TypeError('a collection needs scopes');
  return collection.scopes.map((scope) => {
    if (typeof scope?.name !== 'string' || !Array.isArray(scope.metrics)) throw new TypeError('a scope needs a name and metrics');
    return {
      scope: {
        name: scope.name,
        ...(typeof scope.version === 'string' && { version: scope.version }),
        ...(typeof scope.schemaUrl === 'string' && { schemaUrl: scope.schemaUrl }),
      },
      metrics: scope.metrics.map(decodeMetric),
    };
  });
}
