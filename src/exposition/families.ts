/**
 * Groups collected OTel metrics into Prometheus metric families. Scope labels are off by default,
 * so two scopes (instrumentation-http's meter and promkit's facade meter, say) can produce the
 * same Prometheus name; the text format allows one `# HELP`/`# TYPE` per family and one sample per
 * label set, so such families are grouped here and, only when they really have more than one
 * contributor, their identical series merged. Only the same instrument (same OTel name, kind and
 * buckets) is merged; a different one that maps to a name already written is left out and
 * counted, so no family or series is ever written twice. The common family (one metric) is
 * passed through untouched: no copies, no maps.
 */
import { diag, type Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { escapeHelp, escapeLabelValue, joinLabels, renderLabels } from './format.js';
import { prometheusName, type PrometheusKind } from './naming.js';

/** The part of a data point the text format needs; SDK `DataPoint`s satisfy it as they are. */
export interface Point<T> {
  readonly attributes: Attributes;
  readonly value: T;
}

/**
 * Points that share scope labels. `labels`, when present, holds each point's full rendered label
 * set (merged points have no attributes object of their own to cache by).
 */
export interface Part<T> {
  readonly points: readonly Point<T>[];
  readonly scopeLabels: string;
  readonly labels?: readonly string[];
}

/** One Prometheus metric family, ready to render: the header is already text. */
export type Family =
  | { readonly kind: 'counter' | 'gauge'; readonly name: string; readonly header: string; parts: Part<number>[] }
  | { readonly kind: 'histogram'; readonly name: string; readonly header: string; parts: Part<Histogram>[] };

interface Draft {
  readonly kind: PrometheusKind;
  readonly name: string;
  /** The OTel name of the first contributor; only the same instrument from other scopes may join it. */
  readonly otelName: string;
  help: string;
  readonly parts: Part<number>[] | Part<Histogram>[];
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

function kindOf(metric: MetricData): PrometheusKind | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return undefined;
  }
}

function sameBoundaries(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function scopeLabelsOf(name: string, version: string | undefined): string {
  const base = `otel_scope_name="${escapeLabelValue(name)}"`;
  return version ? `${base},otel_scope_version="${escapeLabelValue(version)}"` : base;
}

/** The sample names a family writes: a histogram's `_bucket`, `_sum` and `_count` may be another family's name. */
function samplesOf(kind: PrometheusKind, name: string): string[] {
  return kind === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/**
 * Collects families in first-seen order; the name `target_info` is left to the resource. A metric
 * whose name collides with a family already collected (another instrument with the same
 * Prometheus name, another kind or other buckets, or a name that is one of a histogram's sample
 * names) is left out, so every family is written once, and each of its points is reported to
 * `options.onDrop`.
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
    const scopeLabels = options.scopeLabels === true ? scopeLabelsOf(scope.name, scope.version) : '';
    for (const metric of scopeMetrics.metrics) {
      const { descriptor } = metric;
      const kind = kindOf(metric);
      if (kind === undefined) {
        // promkit never configures exponential histograms; the text format has no place for them.
        warnOnce(
          `exp:${descriptor.name}`,
          `promkit: skipping exponential histogram "${descriptor.name}": the Prometheus text format cannot carry it.`,
        );
        continue;
      }
      const name = prometheusName(descriptor.name, descriptor.unit, kind, naming);
      if (name === 'target_info') {
        warnOnce(
          `reserved:${descriptor.name}`,
          `promkit: metric "${descriptor.name}" maps to the reserved name target_info; skipped.`,
        );
        continue;
      }
      const firstPoint = metric.dataPoints[0];
      const boundaries =
        metric.dataPointType === DataPointType.HISTOGRAM ? metric.dataPoints[0]?.value.buckets.boundaries : undefined;
      const part = { points: metric.dataPoints, scopeLabels };
      const draft = drafts.get(name);
      if (draft === undefined) {
        const parts = [part] as Part<number>[] | Part<Histogram>[];
        drafts.set(name, { kind, name, otelName: descriptor.name, help: descriptor.description, parts, boundaries });
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
      for (const part of draft.parts) {
        for (let i = 0; i < part.points.length; i++) options.onDrop?.(draft.otelName, 'name_collision', message);
      }
      continue;
    }
    for (const sample of samples) written.set(sample, draft.name);
    // An empty description still needs a HELP line (promtool lints its absence); the name says most.
    const help = escapeHelp(draft.help === '' ? draft.name : draft.help);
    const header = `# HELP ${draft.name} ${help}\n# TYPE ${draft.name} ${draft.kind}\n`;
    if (draft.kind === 'histogram') {
      const parts = draft.parts as Part<Histogram>[];
      const merged = parts.length > 1 ? [mergeHistograms(parts)] : parts;
      families.push({ kind: 'histogram', name: draft.name, header, parts: merged });
    } else {
      const parts = draft.parts as Part<number>[];
      const kind = draft.kind;
      families.push({ kind, name: draft.name, header, parts: parts.length > 1 ? [mergeNumbers(parts, kind)] : parts });
    }
  }
  return families;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** Identical label sets across parts: counters add up, gauges keep the last value seen. */
function mergeNumbers(parts: readonly Part<number>[], kind: 'counter' | 'gauge'): Part<number> {
  const merged = new Map<string, number>();
  for (const part of parts) {
    for (const point of part.points) {
      const labels = joinLabels(renderLabels(point.attributes), part.scopeLabels);
      const previous = merged.get(labels);
      merged.set(labels, previous === undefined || kind === 'gauge' ? point.value : previous + point.value);
    }
  }
  const points: Point<number>[] = [];
  for (const value of merged.values()) points.push({ attributes: NO_ATTRIBUTES, value });
  return { points, scopeLabels: '', labels: [...merged.keys()] };
}

/** Identical label sets across parts: bucket counts, sums and counts add up (boundaries were checked equal). */
function mergeHistograms(parts: readonly Part<Histogram>[]): Part<Histogram> {
  const merged = new Map<string, Histogram>();
  for (const part of parts) {
    for (const point of part.points) {
      const labels = joinLabels(renderLabels(point.attributes), part.scopeLabels);
      const value = point.value;
      const previous = merged.get(labels);
      if (previous === undefined) {
        merged.set(labels, {
          buckets: { boundaries: value.buckets.boundaries, counts: value.buckets.counts.slice() },
          count: value.count,
          ...(value.sum === undefined ? {} : { sum: value.sum }),
        });
        continue;
      }
      const counts = previous.buckets.counts;
      const added = value.buckets.counts;
      for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] ?? 0) + (added[i] ?? 0);
      previous.count += value.count;
      if (previous.sum !== undefined && value.sum !== undefined) previous.sum += value.sum;
    }
  }
  const points: Point<Histogram>[] = [];
  for (const value of merged.values()) points.push({ attributes: NO_ATTRIBUTES, value });
  return { points, scopeLabels: '', labels: [...merged.keys()] };
}
