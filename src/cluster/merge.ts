/**
 * Merges the collections of a cluster's members (the primary and its workers) into one, which
 * the serializer, the JSON snapshot and the health window take unchanged. Counters and
 * histograms are summed point by point (same metric, same attributes): exact, since every member
 * holds cumulative totals; exponential (native) histograms are added at their common scale (see
 * `exponential.ts`). Gauges and up-down counters follow their {@link ClusterAggregation}.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { DataPointType, type DataPoint, type ExponentialHistogram, type Histogram, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { ClusterAggregation } from '../catalogue/types.js';
import { addExponentialHistograms } from './exponential.js';

/** The attribute that tells workers apart on `per_worker` metrics (`cluster_worker_id` in Prometheus). */
export const WORKER_ATTRIBUTE = 'cluster.worker.id';

/** The policy of a gauge or up-down counter, by OpenTelemetry name. */
export type PolicyOf = (name: string) => ClusterAggregation;

/** One member's collection. */
export interface Member {
  /** The `cluster.worker.id` value of its `per_worker` series: the worker id, or `primary`. */
  readonly id: string;
  readonly scopes: readonly ScopeMetrics[];
  /**
   * False for a copy kept from an earlier collection (a worker that missed this one, or workers
   * that are gone): only its counters and histograms count, which keeps the sums from dropping;
   * its gauges are out of date and left out.
   */
  readonly current: boolean;
}

interface MutablePoint {
  readonly attributes: Attributes;
  startTime: HrTime;
  endTime: HrTime;
  value: PointValue;
}

type PointValue = number | Histogram | ExponentialHistogram;

interface MetricAccumulator {
  /** The first member's metric: descriptor, type, temporality, monotonicity. */
  readonly template: MetricData;
  readonly policy: ClusterAggregation;
  readonly points: Map<string, MutablePoint>;
}

interface ScopeAccumulator {
  readonly scope: ScopeMetrics['scope'];
  readonly metrics: Map<string, MetricAccumulator>;
}

/** Counters and histograms: the values only grow while a member lives, so they add up exactly. */
export function isCumulative(metric: MetricData): boolean {
  return (
    metric.dataPointType === DataPointType.HISTOGRAM ||
    metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM ||
    (metric.dataPointType === DataPointType.SUM && metric.isMonotonic)
  );
}

function attributesKey(attributes: Attributes): string {
  let key = '';
  for (const name of Object.keys(attributes).sort()) key += `${name}\u0000${JSON.stringify(attributes[name])}\u0001`;
  return key;
}

function compareTime(a: HrTime, b: HrTime): number {
  return a[0] - b[0] || a[1] - b[1];
}

function isExponential(value: PointValue): value is ExponentialHistogram {
  return typeof value === 'object' && 'scale' in value;
}

/** A value the merge may add into: explicit histograms are added in place; exponential ones are replaced by their sum, never changed. */
function copyValue(value: PointValue): PointValue {
  if (typeof value === 'number' || isExponential(value)) return value;
  return { ...value, buckets: { boundaries: value.buckets.boundaries, counts: [...value.buckets.counts] } };
}

function sameBoundaries(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((boundary, index) => boundary === b[index]);
}

/** Adds `value` into `into` by the policy; false when they cannot be combined (histogram boundaries differ). */
function combine(into: MutablePoint, value: PointValue, policy: ClusterAggregation): boolean {
  if (typeof value === 'number' && typeof into.value === 'number') {
    // per_worker points never meet: their attributes differ by the worker id.
    into.value = policy === 'max' ? Math.max(into.value, value) : policy === 'min' ? Math.min(into.value, value) : into.value + value;
    return true;
  }
  if (typeof value === 'number' || typeof into.value === 'number') return false;
  if (isExponential(value) || isExponential(into.value)) {
    if (!isExponential(value) || !isExponential(into.value)) return false;
    into.value = addExponentialHistograms(into.value, value);
    return true;
  }
  const sum = into.value;
  if (!sameBoundaries(sum.buckets.boundaries, value.buckets.boundaries)) return false;
  for (let i = 0; i < sum.buckets.counts.length; i++) sum.buckets.counts[i] = (sum.buckets.counts[i] ?? 0) + (value.buckets.counts[i] ?? 0);
  sum.count += value.count;
  if (sum.sum !== undefined || value.sum !== undefined) sum.sum = (sum.sum ?? 0) + (value.sum ?? 0);
  if (value.min !== undefined) sum.min = sum.min === undefined ? value.min : Math.min(sum.min, value.min);
  if (value.max !== undefined) sum.max = sum.max === undefined ? value.max : Math.max(sum.max, value.max);
  return true;
}

function addMetric(accumulator: ScopeAccumulator, metric: MetricData, member: Member, policyOf: PolicyOf): void {
  const cumulative = isCumulative(metric);
  if (!cumulative && !member.current) return;
  const key = `${metric.descriptor.name}\u0000${metric.dataPointType}`;
  let entry = accumulator.metrics.get(key);
  if (entry === undefined) {
    entry = { template: metric, policy: cumulative ? 'sum' : policyOf(metric.descriptor.name), points: new Map() };
    accumulator.metrics.set(key, entry);
  }
  for (const point of metric.dataPoints as DataPoint<PointValue>[]) {
    const attributes = entry.policy === 'per_worker' ? { ...point.attributes, [WORKER_ATTRIBUTE]: member.id } : point.attributes;
    const pointKey = attributesKey(attributes);
    const existing = entry.points.get(pointKey);
    if (existing === undefined) {
      entry.points.set(pointKey, { attributes, startTime: point.startTime, endTime: point.endTime, value: copyValue(point.value) });
      continue;
    }
    // A histogram whose boundaries differ (a bucket override on one worker only) keeps the first member's.
    if (!combine(existing, point.value, entry.policy)) continue;
    if (compareTime(point.startTime, existing.startTime) < 0) existing.startTime = point.startTime;
    if (compareTime(point.endTime, existing.endTime) > 0) existing.endTime = point.endTime;
  }
}

/**
 * One collection out of the members', in first-seen order of scopes and metrics. `policyOf` is
 * asked once per gauge or up-down counter name.
 */
export function mergeMembers(members: readonly Member[], policyOf: PolicyOf): ScopeMetrics[] {
  const scopes = new Map<string, ScopeAccumulator>();
  for (const member of members) {
    for (const scopeMetrics of member.scopes) {
      const { scope } = scopeMetrics;
      const key = `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
      let accumulator = scopes.get(key);
      if (accumulator === undefined) {
        accumulator = { scope, metrics: new Map() };
        scopes.set(key, accumulator);
      }
      for (const metric of scopeMetrics.metrics) addMetric(accumulator, metric, member, policyOf);
    }
  }
  const merged: ScopeMetrics[] = [];
  for (const { scope, metrics } of scopes.values()) {
    const out: MetricData[] = [];
    for (const { template, points } of metrics.values()) {
      if (points.size === 0) continue;
      out.push({ ...template, dataPoints: [...points.values()] } as MetricData);
    }
    if (out.length > 0) merged.push({ scope, metrics: out });
  }
  return merged;
}
