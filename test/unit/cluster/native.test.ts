import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, DataPointType, InstrumentType, MeterProvider, type ExponentialHistogram, type ResourceMetrics, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { addExponentialHistograms } from '../../../src/cluster/exponential.js';
import { mergeMembers } from '../../../src/cluster/merge.js';
import { policyFor } from '../../../src/cluster/primary.js';
import { fromWire, toWire } from '../../../src/cluster/wire.js';
import { hasNativeHistograms } from '../../../src/exposition/families.js';
import { encodeProtobuf } from '../../../src/exposition/protobuf.js';
import { negotiateFormat } from '../../../src/exposition/negotiate.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { decodeDelimited, num, packedSints, sub, text, unzigzag } from '../../helpers/protobuf-decode.js';

/** One member's collection of `job.duration` (exponential, as the native view records it) with `values`. */
async function recorded(values: readonly number[], maxSize = 160): Promise<ResourceMetrics> {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    views: [{ instrumentType: InstrumentType.HISTOGRAM, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize, recordMinMax: true } } }],
  });
  const histogram = provider.getMeter('app').createHistogram('job.duration', { unit: 's' });
  for (const value of values) histogram.record(value, { queue: 'q' });
  return (await reader.collect()).resourceMetrics;
}

function exponentialOf(scopes: readonly ScopeMetrics[]): ExponentialHistogram {
  const metric = scopes.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'job.duration');
  if (metric?.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) throw new Error('no exponential histogram');
  return metric.dataPoints[0]!.value;
}

/** OTel bucket of `value` at `scale`: i with base^i < value <= base^(i+1). */
function bucketOf(value: number, scale: number): number {
  const base = 2 ** 2 ** -scale;
  let i = Math.ceil(Math.log2(value) * 2 ** scale) - 1;
  while (base ** (i + 1) < value) i++;
  while (base ** i >= value) i--;
  return i;
}

/** The counts `values` give at `scale`, by OTel index. */
function expectedBuckets(values: readonly number[], scale: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(bucketOf(value, scale), (counts.get(bucketOf(value, scale)) ?? 0) + 1);
  return counts;
}

function bucketsOf(histogram: ExponentialHistogram): Map<number, number> {
  const counts = new Map<number, number>();
  histogram.positive.bucketCounts.forEach((count, k) => count > 0 && counts.set(histogram.positive.offset + k, count));
  return counts;
}

// Values off bucket boundaries at every scale, so the test's own bucket arithmetic cannot disagree with the SDK's.
const NARROW = [1.013, 1.17, 1.33, 1.51, 1.77];
const WIDE = [0.0031, 0.047, 0.61, 7.3, 91.1, 1003.7];

describe('exponential histograms across a cluster', () => {
  it('travel over the IPC channel intact', async () => {
    const collection = await recorded([0, ...NARROW]);
    const back = fromWire(JSON.parse(JSON.stringify(toWire(collection))));
    expect(exponentialOf(back)).toEqual(exponentialOf(collection.scopeMetrics));
  });

  it('add at the coarser scale of the two, every value in its bucket, counts, sums and zero counts exact', async () => {
    const a = exponentialOf((await recorded([0, ...NARROW])).scopeMetrics);
    const b = exponentialOf((await recorded([0, 0, ...WIDE])).scopeMetrics);
    expect(a.scale).toBeGreaterThan(b.scale);
    const sum = addExponentialHistograms(a, b);
    expect(sum.scale).toBe(b.scale);
    expect(sum.count).toBe(NARROW.length + WIDE.length + 3);
    expect(sum.zeroCount).toBe(3);
    expect(sum.sum).toBe(a.sum! + b.sum!);
    expect(sum.min).toBe(0);
    expect(sum.max).toBe(1003.7);
    expect(bucketsOf(sum)).toEqual(expectedBuckets([...NARROW, ...WIDE], sum.scale));
    // The inputs are unchanged.
    expect(bucketsOf(a)).toEqual(expectedBuckets(NARROW, a.scale));
  });

  it('scale down further when the sum would need more buckets than the limit', async () => {
    const low = exponentialOf((await recorded([0.0011, 0.0013], 20)).scopeMetrics);
    const high = exponentialOf((await recorded([900.1, 1100.3], 20)).scopeMetrics);
    const sum = addExponentialHistograms(low, high, 20);
    expect(sum.positive.bucketCounts.length).toBeLessThanOrEqual(20);
    expect(sum.scale).toBeLessThan(Math.min(low.scale, high.scale));
    expect(bucketsOf(sum)).toEqual(expectedBuckets([0.0011, 0.0013, 900.1, 1100.3], sum.scale));
  });

  it('merged from the workers, are served by the primary as native histograms in the protobuf format', async () => {
    const policyOf = policyFor();
    const primary = await recorded([]);
    const merged = mergeMembers(
      [
        { id: 'primary', scopes: primary.scopeMetrics, current: true },
        { id: '1', scopes: fromWire(JSON.parse(JSON.stringify(toWire(await recorded(NARROW))))), current: true },
        { id: '2', scopes: fromWire(JSON.parse(JSON.stringify(toWire(await recorded([0, ...WIDE]))))), current: true },
      ],
      policyOf,
    );
    const served: ResourceMetrics = { resource: primary.resource, scopeMetrics: merged };
    expect(hasNativeHistograms(served)).toBe(true);
    expect(negotiateFormat('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', { nativeHistograms: true })).toBe('protobuf');
    const family = decodeDelimited(encodeProtobuf(served)).find((f) => text(f.get(1)?.[0]) === 'job_duration_seconds')!;
    const h = sub(sub(family.get(4)?.[0]).get(7)?.[0]);
    expect(num(h.get(1)?.[0])).toBe(NARROW.length + WIDE.length + 1); // sample_count
    expect(num(h.get(7)?.[0])).toBe(1); // zero_count
    const schema = unzigzag(num(h.get(5)?.[0])!);
    expect(schema).toBe(exponentialOf(merged).scale);
    const total = packedSints(h.get(13)?.[0]).reduce<[number, number]>(([running, all], d) => [running + d, all + running + d], [0, 0])[1];
    expect(total).toBe(NARROW.length + WIDE.length);
  });

  it('of a worker that missed the collection or is gone are still counted, as counters are', async () => {
    const stale = fromWire(JSON.parse(JSON.stringify(toWire(await recorded(NARROW)))));
    const merged = mergeMembers(
      [
        { id: 'primary', scopes: (await recorded([0])).scopeMetrics, current: true },
        { id: 'retired', scopes: stale, current: false },
      ],
      policyFor(),
    );
    const sum = exponentialOf(merged);
    expect(sum.count).toBe(NARROW.length + 1);
    expect(sum.zeroCount).toBe(1);
    expect(bucketsOf(sum)).toEqual(expectedBuckets(NARROW, sum.scale));
  });
});
