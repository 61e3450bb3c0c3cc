/**
 * prom-client's text output for one metric, as a pure function of what its `get()` (or
 * `getForPromString()`) returns: the Prometheus text format 0.0.4 or OpenMetrics 1.0 with
 * exemplars. The shapes are prom-client's, so metrics of other libraries that follow its
 * interface render too.
 */
import type { Labels } from './validation.js';

/** An exemplar as prom-client keeps it on a series. */
export interface ExemplarValue {
  labelSet: Record<string, string | number>;
  value: number | null;
  timestamp?: number;
}

/** One sample of `get()`. */
export interface MetricValue<T extends string = string> {
  value: number;
  labels: Partial<Record<T, string | number>>;
  metricName?: string;
  exemplar?: ExemplarValue | null | undefined;
  /** Labels of the whole series, written after `labels` (histogram samples). */
  sharedLabels?: Labels;
}

/** What `get()` returns. */
export interface MetricObjectWithValues<V = MetricValue> {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: V[];
}

export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TEXT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** A sample value as prom-client writes it: `Nan`, `+Inf`, `-Inf` for the non-finite ones. */
export function valueText(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
  if (Number.isNaN(value)) return 'Nan';
  return value < 0 ? '-Inf' : '+Inf';
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: unknown): unknown {
  return typeof value === 'string' ? escapeText(value).replace(/"/g, '\\"') : value;
}

function labelPairs(labels: Readonly<Record<string, unknown>>, exclude?: Readonly<Record<string, unknown>>): string[] {
  const pairs: string[] = [];
  for (const name of Object.keys(labels)) {
    if (exclude === undefined || !Object.hasOwn(exclude, name)) pairs.push(`${name}="${escapeLabelValue(labels[name])}"`);
  }
  return pairs;
}

/**
 * One metric's block, without the trailing newline. Default labels fill in labels a sample does
 * not have; an OpenMetrics counter's samples get `_total`.
 */
export function renderMetric(metric: MetricObjectWithValues, openMetrics: boolean, defaultLabels: Readonly<Record<string, unknown>>): string {
  const name = escapeText(metric.name);
  const lines = [`# HELP ${name} ${escapeText(metric.help)}`, `# TYPE ${name} ${metric.type}`];
  const defaults = Object.keys(defaultLabels);
  for (const sample of metric.values ?? []) {
    let sampleName = sample.metricName ?? name;
    if (openMetrics && metric.type === 'counter') sampleName += '_total';
    let labels: Record<string, unknown> = sample.labels ?? {};
    if (defaults.length > 0) {
      labels = { ...labels };
      for (const key of defaults) labels[key] ??= defaultLabels[key];
    }
    const shared = sample.sharedLabels ?? {};
    const parts = labelPairs(labels, shared);
    const sharedText = labelPairs(shared).join(',');
    if (sharedText !== '') parts.push(sharedText);
    let line = `${sampleName}${parts.length > 0 ? `{${parts.join(',')}}` : ''} ${valueText(sample.value)}`;
    const exemplar = sample.exemplar;
    if (openMetrics && exemplar) {
      line += ` # {${labelPairs(exemplar.labelSet).join(',')}} ${valueText(exemplar.value as number)} ${exemplar.timestamp}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** A registry's whole text from its metrics' blocks. */
export function joinBlocks(blocks: readonly string[], openMetrics: boolean): string {
  return openMetrics ? `${blocks.join('\n')}\n# EOF\n` : `${blocks.join('\n\n')}\n`;
}

/** The family name OpenMetrics writes for a counter: without `_total`. */
export function openMetricsCounterName(name: string): string {
  return name.replace(/_total$/, '');
}

/** What a registry holds: a prom-client metric, or any object of that shape (a custom collector). */
export interface MetricObject {
  name: string;
  help: string;
  type?: string;
  aggregator?: string;
  get(): Promise<MetricObjectWithValues> | MetricObjectWithValues;
  getForPromString?(): Promise<MetricObjectWithValues> | MetricObjectWithValues;
  reset?(): void;
}
