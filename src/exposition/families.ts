/**
 * Groups collected OTel metrics into Prometheus metric families, for every output format. Scope
 * labels are off by default, so two scopes (instrumentation-http's meter and promkit's facade
 * meter, say) can produce the same Prometheus name; every format allows one family per name and
 * one sample per label set, so such families are grouped here and, only when they really have
 * more than one contributor, their identical series merged. Only the same instrument (same OTel
 * name, kind and buckets) is merged; a different one that maps to a name already written is left
 * out and counted, so no family or series is ever written twice. The common family (one metric)
 * is passed through untouched: no copies, no maps.
 *
 * A native histogram is the same instrument as a classic one with another aggregation: its
 * exponential stream (from the `.native` meter, see `otel/views.ts`) joins the family of its
 * classic twin, if any, as `native` parts; the formats decide what to show of each.
 */
import { diag, type Attributes, type HrTime } from '@opentelemetry/api';
import { DataPointType, type ExponentialHistogram, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { sameBoundaries } from './buckets.js';
import { escapeLabelValue, joinLabels, renderLabels, type LabelPairs } from './format.js';
import { kindOf } from './kind.js';
import { prometheusKind, prometheusName, unitSuffix, type PrometheusKind } from '../naming.js';

/** The part of a data point the formats need; SDK `DataPoint`s satisfy it as they are. */
export interface Point<T> {
  readonly attributes: Attributes;
  readonly value: T;
  /** When the series started (OTel cumulative start time): OpenMetrics `_created`. */
  readonly startTime?: HrTime;
}

/** Points of one scope. With scope labels on, `scopeLabels` (text) and `scopePairs` name it; else both are empty. */
export interface Part<T> {
  readonly points: readonly Point<T>[];
  readonly scopeLabels: string;
  readonly scopePairs?: LabelPairs;
}

interface Base {
  readonly name: string;
  /** The OTel name, to find exemplars. */
  readonly otelName: string;
  /** Raw description; each format escapes it its own way. */
  readonly help: string;
  /** The unit word the name ends with (`seconds`), for OpenMetrics `# UNIT`; `''` when none. */
  readonly unit: string;
}

/** One Prometheus metric family, ready to render. `name` is the 0.0.4 name (counters end in `_total`). */
export type Family =
  | (Base & { readonly kind: 'counter' | 'gauge'; parts: Part<number>[] })
  | (Base & { readonly kind: 'histogram'; parts: Part<Histogram>[]; native: Part<ExponentialHistogram>[] });

interface Draft {
  readonly kind: PrometheusKind;
  readonly name: string;
  /** The OTel name of the first contributor; only the same instrument from other scopes may join it. */
  readonly otelName: string;
  readonly unit: string;
  help: string;
  readonly parts: Part<number>[] | Part<Histogram>[];
  readonly native: Part<ExponentialHistogram>[];
  boundaries: readonly number[] | undefined;
}

/**
 * Told about each data point left out of the exposition because its metric collides with one
 * already in it (`detail` says with which); promkit counts these in `promkit.measurements.dropped`.
 */
export type ExportDropReporter = (metric: string, reason: 'name_collision', detail: string) => void;

/** Options that change family names or labels. */
export interface FamilyOptions {
  readonly unitSuffixes?: boolean;
  readonly scopeLabels?: boolean;
  readonly onDrop?: ExportDropReporter | undefined;
}

/**
 * Conflicts are reported once per process rather than once per scrape: Prometheus scrapes every
 * few seconds and the same conflict would otherwise flood the log. Bounded for safety.
 */
const warned = new Set<string>();

/** Logs `message` through `diag.warn` the first time `key` is seen in this process. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  if (warned.size >= 1000) warned.clear();
  warned.add(key);
  diag.warn(message);
}

function scopeOf(name: string, version: string | undefined): { text: string; pairs: LabelPairs } {
  const base = `otel_scope_name="${escapeLabelValue(name)}"`;
  return version
    ? { text: `${base},otel_scope_version="${escapeLabelValue(version)}"`, pairs: { names: ['otel_scope_name', 'otel_scope_version'], values: [name, version] } }
    : { text: base, pairs: { names: ['otel_scope_name'], values: [name] } };
}

/**
 * Every sample name a family may write in any format: a histogram's `_bucket`, `_sum`, `_count`
 * and `_created`; a counter's OpenMetrics family name (without `_total`) and `_created`. Any of
 * them may be another family's name.
 */
function samplesOf(kind: PrometheusKind, name: string): string[] {
  if (kind === 'histogram') return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
  if (kind === 'counter') {
    const base = name.slice(0, -'_total'.length);
    return [name, base, `${base}_created`];
  }
  return [name];
}

/** The unit word `name` ends with (before `_total`), or `''`. */
function unitOf(name: string, kind: PrometheusKind, otelUnit: string, unitSuffixes: boolean): string {
  if (!unitSuffixes) return '';
  const unit = unitSuffix(otelUnit, kind);
  const base = kind === 'counter' ? name.slice(0, -'_total'.length) : name;
  return unit !== '' && base.endsWith(`_${unit}`) ? unit : '';
}

/**
 * Collects families in first-seen order; the name `target_info` is left to the resource. A metric
 * whose name collides with a family already collected (another instrument with the same
 * Prometheus name, another kind or other buckets, or a name that is one of another family's
 * sample names) is left out, so every family is written once, and each of its points is reported
 * to `options.onDrop`.
 */
export function collectFamilies(resourceMetrics: ResourceMetrics, options: FamilyOptions): Family[] {
  const drafts = new Map<string, Draft>();
  /** Leaves `metric` out: warns once (by `key`) and reports each of its points. */
  const leaveOut = (metric: MetricData, key: string, message: string): void => {
    warnOnce(key, `promkit: ${message}`);
    const report = options.onDrop;
    if (report === undefined) return;
    for (let i = 0; i < metric.dataPoints.length; i++) report(metric.descriptor.name, 'name_collision', message);
  };
  const naming = options.unitSuffixes === false ? { unitSuffixes: false } : undefined;
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    const scope = scopeMetrics.scope;
    const scoped = options.scopeLabels === true ? scopeOf(scope.name, scope.version) : undefined;
    for (const metric of scopeMetrics.metrics) {
      const { descriptor } = metric;
      const collected = kindOf(metric);
      if (collected === undefined) continue;
      const kind = prometheusKind(collected);
      const name = prometheusName(descriptor.name, descriptor.unit, kind, naming);
      if (name === 'target_info') {
        warnOnce(
          `reserved:${descriptor.name}`,
          `promkit: metric "${descriptor.name}" maps to the reserved name target_info; skipped.`,
        );
        continue;
      }
      const firstPoint = metric.dataPoints[0];
      const isNative = metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM;
      const boundaries =
        metric.dataPointType === DataPointType.HISTOGRAM ? metric.dataPoints[0]?.value.buckets.boundaries : undefined;
      const part = scoped === undefined ? { points: metric.dataPoints, scopeLabels: '' } : { points: metric.dataPoints, scopeLabels: scoped.text, scopePairs: scoped.pairs };
      const draft = drafts.get(name);
      if (draft === undefined) {
        const parts = (isNative ? [] : [part]) as Part<number>[] | Part<Histogram>[];
        const native = isNative ? [part as Part<ExponentialHistogram>] : [];
        const unit = unitOf(name, kind, descriptor.unit, options.unitSuffixes !== false);
        drafts.set(name, { kind, name, otelName: descriptor.name, unit, help: descriptor.description, parts, native, boundaries });
        continue;
      }
      if (draft.kind !== kind) {
        leaveOut(
          metric,
          `kind:${name}`,
          `metric family "${name}" is both ${draft.kind} and ${kind} ` +
            `(instrument "${descriptor.name}" in scope "${scope.name}"); keeping the ${draft.kind}.`,
        );
        continue;
      }
      if (boundaries !== undefined && draft.boundaries !== undefined && !sameBoundaries(boundaries, draft.boundaries)) {
        leaveOut(metric, `le:${name}`, `histogram "${name}" has different bucket boundaries in scope "${scope.name}"; keeping the first.`);
        continue;
      }
      if (draft.otelName !== descriptor.name) {
        leaveOut(
          metric,
          `name:${descriptor.name}`,
          `metrics "${draft.otelName}" and "${descriptor.name}" (scope "${scope.name}") are both "${name}" in Prometheus; keeping the first.`,
        );
        continue;
      }
      if (firstPoint === undefined) continue;
      if (isNative) {
        // Exponential buckets of two streams may differ in scale; merging them is not worth it for a case promkit never creates.
        if (draft.native.length > 0 && scoped === undefined) {
          leaveOut(metric, `native:${name}`, `native histogram "${name}" is recorded in two scopes ("${scope.name}" and another); keeping the first.`);
          continue;
        }
        draft.native.push(part as Part<ExponentialHistogram>);
        continue;
      }
      draft.boundaries ??= boundaries;
      if (draft.help === '') draft.help = descriptor.description;
      (draft.parts as Part<unknown>[]).push(part);
    }
  }

  const families: Family[] = [];
  /** Sample name → the family that writes it; checked per family, so the cost does not grow with series. */
  const written = new Map<string, string>();
  for (const draft of drafts.values()) {
    const samples = samplesOf(draft.kind, draft.name);
    const taken = samples.find((sample) => written.has(sample));
    if (taken !== undefined) {
      const message = `metric family "${draft.name}" would repeat "${taken}", written by "${written.get(taken)}"; keeping the first.`;
      warnOnce(`samples:${draft.name}`, `promkit: ${message}`);
      for (const part of [...draft.parts, ...draft.native]) {
        for (let i = 0; i < part.points.length; i++) options.onDrop?.(draft.otelName, 'name_collision', message);
      }
      continue;
    }
    for (const sample of samples) written.set(sample, draft.name);
    // An empty description still needs a HELP line (promtool lints its absence); the name says most.
    const base = { name: draft.name, otelName: draft.otelName, help: draft.help === '' ? draft.name : draft.help, unit: draft.unit };
    // With scope labels, points of different scopes are different series: nothing to merge.
    const merge = options.scopeLabels !== true;
    if (draft.kind === 'histogram') {
      const parts = draft.parts as Part<Histogram>[];
      families.push({ ...base, kind: 'histogram', parts: merge && parts.length > 1 ? [mergeHistograms(parts)] : parts, native: draft.native });
    } else {
      const parts = draft.parts as Part<number>[];
      const kind = draft.kind;
      families.push({ ...base, kind, parts: merge && parts.length > 1 ? [mergeNumbers(parts, kind)] : parts });
    }
  }
  return families;
}

/** A merged series keeps the first contributor's attributes (for its labels and exemplars) and earliest start. */
interface Merged<T> {
  attributes: Attributes;
  value: T;
  startTime?: HrTime;
}

function earlier(a: HrTime | undefined, b: HrTime | undefined): HrTime | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]) ? a : b;
}

/** Identical label sets across parts: counters add up, gauges keep the last value seen. */
function mergeNumbers(parts: readonly Part<number>[], kind: 'counter' | 'gauge'): Part<number> {
  const merged = new Map<string, Merged<number>>();
  for (const part of parts) {
    for (const point of part.points) {
      const labels = joinLabels(renderLabels(point.attributes), part.scopeLabels);
      const previous = merged.get(labels);
      if (previous === undefined) {
        merged.set(labels, { attributes: point.attributes, value: point.value, ...(point.startTime && { startTime: point.startTime }) });
        continue;
      }
      previous.value = kind === 'gauge' ? point.value : previous.value + point.value;
      const start = earlier(previous.startTime, point.startTime);
      if (start !== undefined) previous.startTime = start;
    }
  }
  return { points: [...merged.values()], scopeLabels: '' };
}

/** Identical label sets across parts: bucket counts, sums and counts add up (boundaries were checked equal). */
function mergeHistograms(parts: readonly Part<Histogram>[]): Part<Histogram> {
  const merged = new Map<string, Merged<Histogram>>();
  for (const part of parts) {
    for (const point of part.points) {
      const labels = joinLabels(renderLabels(point.attributes), part.scopeLabels);
      const value = point.value;
      const previous = merged.get(labels);
      if (previous === undefined) {
        merged.set(labels, {
          attributes: point.attributes,
          value: {
            buckets: { boundaries: value.buckets.boundaries, counts: value.buckets.counts.slice() },
            count: value.count,
            ...(value.sum === undefined ? {} : { sum: value.sum }),
          },
          ...(point.startTime && { startTime: point.startTime }),
        });
        continue;
      }
      const counts = previous.value.buckets.counts;
      const added = value.buckets.counts;
      for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] ?? 0) + (added[i] ?? 0);
      previous.value.count += value.count;
      if (previous.value.sum !== undefined && value.sum !== undefined) previous.value.sum += value.sum;
      const start = earlier(previous.startTime, point.startTime);
      if (start !== undefined) previous.startTime = start;
    }
  }
  return { points: [...merged.values()], scopeLabels: '' };
}

/** Whether the collection holds a native (exponential) histogram with at least one series. */
export function hasNativeHistograms(resourceMetrics: ResourceMetrics): boolean {
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM && metric.dataPoints.length > 0) return true;
    }
  }
  return false;
}
