/**
 * One collection as remote-write series with exactly the names and labels of the scrape: the
 * families come from the same grouping as `/metrics` (`collectFamilies`), label pairs from the
 * same function every format uses (`labelPairs`, plus the scope's pairs when scope labels are on),
 * so the naming rules (sanitising, `key_` prefixes, colliding keys joined with `;`) exist once.
 * What a scrape's Prometheus adds
 * (`job`, `instance`) is added here, and what it does with a series that already has one of
 * those labels is done too: renamed `exported_job` / `exported_instance`.
 */
import type { Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { collectFamilies, type ExportDropReporter, type Part, type Point } from '../exposition/families.js';
import { cumulativeCounts } from '../exposition/buckets.js';
import { formatValue, labelPairs, type LabelPairs } from '../exposition/format.js';
import type { Label, TimeSeries } from './protobuf.js';

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
}

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

/**
 * Every sample of the collection as a series with one sample at `timestampMillis`: counters and
 * gauges as they are, histograms as cumulative `_bucket{le}` series, `_sum` and `_count`, and
 * `target_info` unless turned off.
 */
export function toTimeSeries(resourceMetrics: ResourceMetrics, target: TargetLabels, timestampMillis: number, options: SeriesOptions = {}): TimeSeries[] {
  const out: TimeSeries[] = [];
  const push = (labels: Label[], value: number) => out.push({ labels, samples: [{ value, timestampMillis }] });
  if (options.targetInfo !== false) {
    push(withTarget('target_info', toLabels(labelPairs(resourceMetrics.resource.attributes)), target), 1);
  }
  for (const family of collectFamilies(resourceMetrics, options)) {
    if (family.kind !== 'histogram') {
      for (const part of family.parts) {
        for (const point of part.points) push(withTarget(family.name, ownLabels(part, point), target), point.value);
      }
      continue;
    }
    for (const part of family.parts as Part<Histogram>[]) {
      for (const point of part.points) {
        const own = histogramOwn(ownLabels(part, point));
        const histogram = point.value;
        const { boundaries, counts } = histogram.buckets;
        const cumulative = cumulativeCounts(counts);
        for (let b = 0; b <= boundaries.length; b++) {
          const le = b < boundaries.length ? formatValue(boundaries[b]!) : '+Inf';
          push(withTarget(`${family.name}_bucket`, own, target, { name: 'le', value: le }), cumulative[b] ?? 0);
        }
        if (histogram.sum !== undefined) push(withTarget(`${family.name}_sum`, own, target), histogram.sum);
        push(withTarget(`${family.name}_count`, own, target), histogram.count);
      }
    }
  }
  return out;
}
