/**
 * Definition-time rules for names, units, attribute keys and bucket boundaries. Every check
 * returns a problem description (or undefined) so callers decide whether to throw; the facade
 * and the views throw {@link InvalidDefinitionError} with the metric's name.
 *
 * Rules follow the OpenTelemetry instrument-name syntax (API spec: ASCII letter first, then
 * letters, digits, `_ . - /`, at most 255 characters) and the Prometheus data model for label
 * names, since every attribute key becomes a Prometheus label.
 */

const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
/** promkit's own style on top of the OTel syntax: lowercase, dot-namespaced, no Prometheus suffixes. */
const PROMKIT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const ATTRIBUTE_KEY = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
/** Suffixes the Prometheus exporter adds itself; an OTel name carrying one would be doubled. */
const PROMETHEUS_SUFFIXES = ['_total', '_seconds', '_bytes', '_ratio', '_bucket', '_count', '_sum', '_info'];
/**
 * Labels Prometheus or the exporter write themselves, in their Prometheus form (`.` becomes `_`):
 * a user label named so would be overwritten, duplicated in the sample, or pass for the overflow
 * series. Every `otel_scope_*` label is the exporter's too.
 */
const RESERVED_LABELS = new Set(['le', 'quantile', 'job', 'instance', 'otel_metric_overflow']);
const RESERVED_LABEL_PREFIX = 'otel_scope_';
/** UCUM-ish: a unit, a unit/unit rate, or a `{annotation}`; no spaces. */
const UNIT = /^([A-Za-z%][A-Za-z0-9%]*(\/[A-Za-z%][A-Za-z0-9%]*)?|1|\{[A-Za-z0-9_. ]+\})$/;

export function checkMetricName(name: string): string | undefined {
  if (typeof name !== 'string' || !INSTRUMENT_NAME.test(name)) {
    return `name ${JSON.stringify(name)} is not a valid instrument name (an ASCII letter, then letters, digits, "_", ".", "-" or "/", at most 255 characters)`;
  }
  if (!PROMKIT_NAME.test(name)) {
    return `name ${JSON.stringify(name)} must be lowercase and dot-namespaced, like "orders.processed"`;
  }
  const prometheusForm = name.replaceAll('.', '_');
  const suffix = PROMETHEUS_SUFFIXES.find((s) => prometheusForm.endsWith(s) && !isSemconvCountSegment(name, s));
  if (suffix) {
    return `name ${JSON.stringify(name)} ends in "${suffix}", which the Prometheus exporter adds itself from the kind and unit; drop it`;
  }
  return undefined;
}

/**
 * Semantic conventions name "how many" up-down counters with a final `.count` segment
 * (`db.client.connection.count`, `process.thread.count`); the exporter never adds `_count` to
 * such a non-histogram, so only a `_count` glued to the last word (`requests_count`) is refused.
 */
function isSemconvCountSegment(name: string, suffix: string): boolean {
  return suffix === '_count' && name.endsWith('.count');
}

export function checkUnit(unit: string): string | undefined {
  if (typeof unit !== 'string' || !UNIT.test(unit)) {
    return `unit ${JSON.stringify(unit)} is not a UCUM unit (use "s", "By", "1", "ms", "By/s" or an annotation such as "{request}")`;
  }
  return undefined;
}

export function checkAttributeKey(key: string): string | undefined {
  if (typeof key !== 'string' || !ATTRIBUTE_KEY.test(key) || key.startsWith('__')) {
    return `label ${JSON.stringify(key)} is not a valid attribute key (letters, digits, "_" and ".", not starting with a digit or "__")`;
  }
  const label = key.replaceAll('.', '_');
  if (RESERVED_LABELS.has(label) || label.startsWith(RESERVED_LABEL_PREFIX)) {
    return `label ${JSON.stringify(key)} is reserved (Prometheus or the exporter writes "${label}"); pick another key`;
  }
  return undefined;
}

export function checkAttributeKeys(keys: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const key of keys) {
    const problem = checkAttributeKey(key);
    if (problem) return problem;
    // Two keys that differ only in "." vs "_" collide once they are Prometheus labels.
    const label = key.replaceAll('.', '_');
    if (seen.has(label)) return `labels contain ${JSON.stringify(key)} twice (after "." becomes "_")`;
    seen.add(label);
  }
  return undefined;
}

export function checkBoundaries(boundaries: readonly number[]): string | undefined {
  if (!Array.isArray(boundaries) || boundaries.length === 0) {
    return 'buckets must be a non-empty array of finite numbers in increasing order';
  }
  for (let i = 0; i < boundaries.length; i++) {
    const b = boundaries[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) {
      return `bucket boundary ${String(b)} at index ${i} is not a finite number`;
    }
    const previous = boundaries[i - 1];
    if (previous !== undefined && b <= previous) {
      return `bucket boundaries must increase strictly: ${previous} is followed by ${b} at index ${i}`;
    }
  }
  return undefined;
}
