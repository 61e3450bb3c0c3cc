/**
 * One collection as remote-write series with exactly the names and labels of the scrape: the
 * families come from the same grouping as `/metrics` (`collectFamilies`), label pairs from the
 * same function every format uses (`labelPairs`, plus the scope's pairs when scope labels are on),
 * so the naming rules (sanitising, `key_` prefixes, colliding keys joined with `;`) exist once.
 * What a scrape's Prometheus adds
 * (`job`, `instance`) is added here, and what it does with a series that already has one of
 * those labels is done too: renamed `exported_job` / `exported_instance`.
 */
import type { ExponentialHistogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { collectFamilies, type ExportDropReporter, type Part, type Point } from '../exposition/families.js';
import { cumulativeCounts, exponentialBuckets, type BucketCounts } from '../exposition/buckets.js';
import { formatValue, labelPairs, type LabelPairs } from '../exposition/format.js';
import { MAX_SCHEMA, MIN_SCHEMA, sparseBuckets, ZERO_THRESHOLD } from '../exposition/protobuf.js';
import type { HistogramSample, Label, Sample, TimeSeries } from './protobuf.js';

/** The labels Prometheus gives a scraped target, given to pushed series instead. */
export interface TargetLabels {
  readonly job: string;
  readonly instance: string;
}

export interface SeriesOptions {
  readonly unitSuffixes?: boolean;
  readonly scopeLabels?: boolean;
  /** Push the resource as `target_info`, as the scrape serves it. Default true. */
  readonly targetInfo?: boolean;
  readonly onDrop?: ExportDropReporter | undefined;
  /**
   * How native (exponential) histograms go out: `'native'` as remote-write `histograms` (with any
   * classic buckets of the same instrument beside them), `'classic'` as `_bucket{le}`, `_sum`
   * and `_count` series derived from the exponential buckets. Default `'classic'`. See
   * `push.remoteWrite.nativeHistograms`.
   */
  readonly nativeHistograms?: NativeHistogramsMode | undefined;
}

/** See {@link SeriesOptions.nativeHistograms}. */
export type NativeHistogramsMode = 'native' | 'classic';

/** The pairs of a point's own labels, then its scope's, as the scrape writes them. */
function ownLabels<T>(part: Part<T>, point: Point<T>): Label[] {
  const labels = toLabels(labelPairs(point.attributes));
  if (part.scopePairs !== undefined) labels.push(...toLabels(part.scopePairs));
  return labels;
}

function toLabels(pairs: LabelPairs): Label[] {
  return pairs.names.map((name, i) => ({ name, value: pairs.values[i] ?? '' }));
}

const byName = (a: Label, b: Label) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The target labels over a series' own: an own `job`/`instance` becomes `exported_job` /
 * `exported_instance` (Prometheus's `honor_labels: false`), sorted by name as the spec requires.
 */
function withTarget(name: string, own: readonly Label[], target: TargetLabels, extra?: Label): Label[] {
  const labels: Label[] = [{ name: '__name__', value: name }, { name: 'job', value: target.job }, { name: 'instance', value: target.instance }];
  for (const label of own) {
    labels.push(label.name === 'job' || label.name === 'instance' ? { name: `exported_${label.name}`, value: label.value } : label);
  }
  if (extra !== undefined) labels.push(extra);
  return labels.sort(byName);
}

/** The histogram `le` label is the bucket's; an attribute of that name is renamed as the serializer renames it. */
function histogramOwn(labels: Label[]): Label[] {
  return labels.some((l) => l.name === 'le') ? labels.map((l) => (l.name === 'le' ? { name: 'key_le', value: l.value } : l)) : labels;
}

/** The classic series of one histogram point: cumulative `_bucket{le}`, `_sum` (when known) and `_count`. */
function* classicSeries(name: string, own: Label[], target: TargetLabels, buckets: BucketCounts, sum: number | undefined, count: number, sample: (value: number) => Sample[]): Generator<TimeSeries> {
  const { boundaries, counts } = buckets;
  const cumulative = cumulativeCounts(counts);
  for (let b = 0; b <= boundaries.length; b++) {
    const le = b < boundaries.length ? formatValue(boundaries[b]!) : '+Inf';
    yield { labels: withTarget(`${name}_bucket`, own, target, { name: 'le', value: le }), samples: sample(cumulative[b] ?? 0) };
  }
  if (sum !== undefined) yield { labels: withTarget(`${name}_sum`, own, target), samples: sample(sum) };
  yield { labels: withTarget(`${name}_count`, own, target), samples: sample(count) };
}

/** An exponential histogram as a remote-write native histogram; undefined at a scale Prometheus has no schema for. */
function nativeSample(histogram: ExponentialHistogram, timestampMillis: number): HistogramSample | undefined {
  if (histogram.scale < MIN_SCHEMA) return undefined;
  const schema = Math.min(histogram.scale, MAX_SCHEMA);
  return {
    count: histogram.count,
    sum: histogram.sum ?? 0,
    schema,
    zeroThreshold: ZERO_THRESHOLD,
    zeroCount: histogram.zeroCount,
    negative: sparseBuckets(histogram.negative.offset, histogram.negative.bucketCounts, histogram.scale, schema),
    positive: sparseBuckets(histogram.positive.offset, histogram.positive.bucketCounts, histogram.scale, schema),
    timestampMillis,
  };
}

/**
 * Every sample of the collection as series with one sample at `timestampMillis`, made one at a
 * time (so an encoder can take them in slices): counters and gauges as they are, classic
 * histograms as cumulative `_bucket{le}` series, `_sum` and `_count`, native histograms as
 * {@link SeriesOptions.nativeHistograms} says, and `target_info` unless turned off.
 */
export function* timeSeriesOf(resourceMetrics: ResourceMetrics, target: TargetLabels, timestampMillis: number, options: SeriesOptions = {}): Generator<TimeSeries> {
  const sample = (value: number): Sample[] => [{ value, timestampMillis }];
  if (options.targetInfo !== false) {
    yield { labels: withTarget('target_info', toLabels(labelPairs(resourceMetrics.resource.attributes)), target), samples: sample(1) };
  }
  const native = options.nativeHistograms === 'native';
  for (const family of collectFamilies(resourceMetrics, options)) {
    if (family.kind !== 'histogram') {
      for (const part of family.parts) {
        for (const point of part.points) yield { labels: withTarget(family.name, ownLabels(part, point), target), samples: sample(point.value) };
      }
      continue;
    }
    // Label sets that have classic buckets of their own: their native twin is never sent as classic buckets again.
    const classicKeys = family.native.length > 0 ? new Set<string>() : undefined;
    for (const part of family.parts) {
      for (const point of part.points) {
        const own = histogramOwn(ownLabels(part, point));
        classicKeys?.add(labelsKey(own));
        const histogram = point.value;
        yield* classicSeries(family.name, own, target, histogram.buckets, histogram.sum, histogram.count, sample);
      }
    }
    for (const part of family.native) {
      for (const point of part.points) {
        const own = histogramOwn(ownLabels(part, point));
        const histogram = point.value;
        const asNative = native ? nativeSample(histogram, timestampMillis) : undefined;
        if (asNative !== undefined) {
          yield { labels: withTarget(family.name, own, target), samples: [], histograms: [asNative] };
          continue;
        }
        if (classicKeys?.has(labelsKey(own)) === true) continue;
        // No native histograms at the receiver (or a scale it has no schema for): the exact classic view of the same buckets.
        yield* classicSeries(family.name, own, target, exponentialBuckets(histogram), histogram.sum, histogram.count, sample);
      }
    }
  }
}

function labelsKey(labels: readonly Label[]): string {
  return JSON.stringify(labels.map((l) => [l.name, l.value]));
}

/** {@link timeSeriesOf}, all at once. */
export function toTimeSeries(resourceMetrics: ResourceMetrics, target: TargetLabels, timestampMillis: number, options: SeriesOptions = {}): TimeSeries[] {
  return [...timeSeriesOf(resourceMetrics, target, timestampMillis, options)];
}
