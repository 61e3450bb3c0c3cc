/**
 * OpenTelemetry → Prometheus names, following the compatibility spec
 * (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/) the way the
 * Collector and the Go, Java and Python exporters apply it. The upstream JavaScript exporter
 * does not add unit suffixes, so dashboards built for OTel metrics (`…_seconds_bucket`) would not
 * find our series without this module.
 *
 * Pure functions with no OTel imports: the serializer calls them once per metric per scrape, so
 * results are memoised.
 */

import type { MetricKind } from './catalogue/types.js';

/** The Prometheus metric type a name is built for; only counters get `_total`, only gauges `_ratio`. */
export type PrometheusKind = 'counter' | 'gauge' | 'histogram';

/** Up-down counters (synchronous or observable) are Prometheus gauges: they are not monotonic. */
const PROMETHEUS_KINDS: Readonly<Record<MetricKind, PrometheusKind>> = {
  counter: 'counter',
  observable_counter: 'counter',
  updowncounter: 'gauge',
  observable_updowncounter: 'gauge',
  gauge: 'gauge',
  observable_gauge: 'gauge',
  histogram: 'histogram',
};

/** The Prometheus type an instrument of `kind` is exported as. */
export function prometheusKind(kind: MetricKind): PrometheusKind {
  return PROMETHEUS_KINDS[kind];
}

/** Options for {@link prometheusName}. */
export interface NamingOptions {
  /** Append the unit as a suffix (`_seconds`, `_bytes`, …). Default true; `_total` is added either way. */
  readonly unitSuffixes?: boolean;
}

/** UCUM units the spec maps to a word; anything else is sanitised and appended as is. */
const UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['d', 'days'],
  ['h', 'hours'],
  ['min', 'minutes'],
  ['s', 'seconds'],
  ['ms', 'milliseconds'],
  ['us', 'microseconds'],
  ['ns', 'nanoseconds'],
  ['By', 'bytes'],
  ['KiBy', 'kibibytes'],
  ['MiBy', 'mebibytes'],
  ['GiBy', 'gibibytes'],
  ['TiBy', 'tibibytes'],
  ['KBy', 'kilobytes'],
  ['MBy', 'megabytes'],
  ['GBy', 'gigabytes'],
  ['TBy', 'terabytes'],
  ['m', 'meters'],
  ['V', 'volts'],
  ['A', 'amperes'],
  ['J', 'joules'],
  ['W', 'watts'],
  ['g', 'grams'],
  ['Cel', 'celsius'],
  ['Hz', 'hertz'],
  ['%', 'percent'],
]);

/**
 * The denominator of `x/y` units uses the singular (`bytes_per_second`), and `m` means minute there;
 * other denominators are sanitised as is (`/min` → `per_min`), as the Collector does.
 */
const PER_UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['s', 'second'],
  ['m', 'minute'],
  ['h', 'hour'],
  ['d', 'day'],
  ['w', 'week'],
  ['mo', 'month'],
  ['y', 'year'],
]);

const INVALID_METRIC_CHARS = /[^a-zA-Z0-9_]/g;
const INVALID_LABEL_CHARS = /[^a-zA-Z0-9_]/g;
const UNDERSCORE_RUNS = /_{2,}/g;
const ANNOTATIONS = /\{[^}]*\}/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;

/**
 * Memo tables. Names come from instrument definitions, so they are bounded in practice; the cap
 * only protects against a program that generates metric names dynamically.
 */
const MEMO_LIMIT = 10_000;
const nameMemo = new Map<string, string>();
const labelMemo = new Map<string, string>();

/**
 * Replaces characters Prometheus does not allow with `_`, collapses runs of `_` and prefixes a
 * leading digit with `_`. Colons are replaced too: Prometheus reserves them for recording rules.
 */
export function sanitizeMetricName(name: string): string {
  let out = name.replace(INVALID_METRIC_CHARS, '_').replace(UNDERSCORE_RUNS, '_');
  const first = out.charCodeAt(0);
  if (first >= 48 && first <= 57) out = `_${out}`;
  return out;
}

function sanitizeUnitPart(part: string): string {
  return part.replace(INVALID_METRIC_CHARS, '_').replace(UNDERSCORE_RUNS, '_').replace(EDGE_UNDERSCORES, '');
}

/**
 * The suffix a UCUM unit contributes, without the leading `_` (`''` when none): annotations such
 * as `{token}` are dropped, `1` is `ratio` for gauges only (a dimensionless count is not a ratio),
 * and `x/y` becomes `x_per_y`.
 */
export function unitSuffix(unit: string, kind: PrometheusKind): string {
  const cleaned = unit.includes('{') ? unit.replace(ANNOTATIONS, '').trim() : unit.trim();
  if (cleaned === '') return '';
  if (cleaned === '1') return kind === 'gauge' ? 'ratio' : '';
  const slash = cleaned.indexOf('/');
  if (slash === -1) return UNIT_WORDS.get(cleaned) ?? sanitizeUnitPart(cleaned);
  const mainUnit = cleaned.slice(0, slash).trim();
  const perUnit = cleaned.slice(slash + 1).trim();
  const main = mainUnit === '1' || mainUnit === '' ? '' : (UNIT_WORDS.get(mainUnit) ?? sanitizeUnitPart(mainUnit));
  const per = perUnit === '' ? '' : (PER_UNIT_WORDS.get(perUnit) ?? sanitizeUnitPart(perUnit));
  if (per === '') return main;
  return main === '' ? `per_${per}` : `${main}_per_${per}`;
}

function endsWithWord(name: string, word: string): boolean {
  return name === word || name.endsWith(`_${word}`);
}

/**
 * The Prometheus metric family name for an OTel instrument: sanitised, with the unit suffix unless
 * the name already ends with it, and `_total` exactly once for counters (after the unit, as in
 * `process_cpu_time_seconds_total`). Histogram sample suffixes (`_bucket`, …) are the
 * serializer's job.
 */
export function prometheusName(otelName: string, unit: string, kind: PrometheusKind, options?: NamingOptions): string {
  const withUnits = options?.unitSuffixes !== false;
  const key = `${kind}\u0000${withUnits ? 1 : 0}\u0000${unit}\u0000${otelName}`;
  const cached = nameMemo.get(key);
  if (cached !== undefined) return cached;

  let name = sanitizeMetricName(otelName);
  const counter = kind === 'counter';
  // Strip `_total` first so the unit lands before it: foo.total (s) → foo_seconds_total.
  if (counter && name.endsWith('_total') && name.length > 6) name = name.slice(0, -6);
  if (withUnits) {
    const suffix = unitSuffix(unit, kind);
    if (suffix !== '' && !endsWithWord(name, suffix)) name = `${name}_${suffix}`;
  }
  if (counter) name = `${name}_total`;

  if (nameMemo.size >= MEMO_LIMIT) nameMemo.clear();
  nameMemo.set(key, name);
  return name;
}

/**
 * The Prometheus label name for an attribute key: invalid characters become `_`, a leading digit
 * gets `key_` (the spec's prefix, so `1abc` → `key_1abc`), and a leading `__` gets `key` because
 * Prometheus reserves `__`-prefixed labels and drops them at ingestion (`__x` → `key__x`).
 */
export function prometheusLabelName(key: string): string {
  const cached = labelMemo.get(key);
  if (cached !== undefined) return cached;
  let name = key.replace(INVALID_LABEL_CHARS, '_');
  const first = name.charCodeAt(0);
  if (name === '') name = 'key_';
  else if (first >= 48 && first <= 57) name = `key_${name}`;
  else if (name.startsWith('__')) name = `key${name}`;
  if (labelMemo.size >= MEMO_LIMIT) labelMemo.clear();
  labelMemo.set(key, name);
  return name;
}

/**
 * Every sample name a metric may own in an exposition: its family name; for histograms the
 * `_bucket`, `_sum` and `_count` series; `_created` (OpenMetrics) for counters and histograms; and
 * for counters the name without `_total` (the OpenMetrics family). Two metrics that share any of
 * these write one family twice, which Prometheus refuses or silently merges.
 */
export function exportedSampleNames(otelName: string, unit: string, kind: PrometheusKind, options?: NamingOptions): string[] {
  const family = prometheusName(otelName, unit, kind, options);
  if (kind === 'gauge') return [family];
  if (kind === 'histogram') return [family, `${family}_bucket`, `${family}_sum`, `${family}_count`, `${family}_created`];
  const base = family.slice(0, -'_total'.length);
  return [family, base, `${base}_created`];
}
