/**
 * Text-format 0.0.4 building blocks: escaping, number spelling and label sets. Kept apart from
 * the serializer so that the hot loop there only concatenates strings these functions prepared.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { prometheusLabelName } from './naming.js';

const HELP_SPECIALS = /[\\\n]/;
const LABEL_SPECIALS = /[\\"\n]/;

/** Escapes a `# HELP` text: the format only gives `\` and newline a meaning there. */
export function escapeHelp(text: string): string {
  if (!HELP_SPECIALS.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Escapes a label value (`\`, `"`, newline); the common value has none, so test before replacing. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_SPECIALS.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Spells a sample value the way Prometheus parses it: `NaN`, `+Inf`, `-Inf`, otherwise JavaScript's
 * shortest round-trip form (`0.005`, `1`, `1e-7`), which Go's `ParseFloat` reads back exactly.
 */
export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Renders one attribute value. Strings are the norm; arrays (and anything else a caller smuggled
 * in) are JSON-encoded as the OTel non-string attribute rule prescribes.
 */
function attributeValueText(value: AttributeValue): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Rendered label sets (`a="x",b="y"`, no braces) per attributes object. The SDK hands out the
 * same attributes object for a series on every collection (promkit's allow-list views even make
 * it an SDK-owned copy), so after the first scrape a series' labels cost one WeakMap lookup. The
 * cache treats attributes as immutable, as the OTel data model does; entries go with the series.
 */
const labelCache = new WeakMap<Attributes, string>();

/** The label set for `attributes`, cached; `''` when there are none. */
export function renderLabels(attributes: Attributes): string {
  const cached = labelCache.get(attributes);
  if (cached !== undefined) return cached;
  const rendered = buildLabels(attributes);
  labelCache.set(attributes, rendered);
  return rendered;
}

function buildLabels(attributes: Attributes): string {
  const names: string[] = [];
  const values: string[] = [];
  const keys: string[] = [];
  let collision = false;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const name = prometheusLabelName(key);
    if (!collision && names.includes(name)) collision = true;
    names.push(name);
    values.push(attributeValueText(value));
    keys.push(key);
  }
  if (collision) return buildCollidingLabels(names, values, keys);
  let out = '';
  for (let i = 0; i < names.length; i++) {
    out += `${i === 0 ? '' : ','}${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  }
  return out;
}

/**
 * Two keys sanitised to one label name (`a.b` and `a_b`): the spec joins the values with `;` in
 * the lexicographic order of the original keys, because a repeated label name is invalid text.
 */
function buildCollidingLabels(names: string[], values: string[], keys: string[]): string {
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] ?? '') < (keys[b] ?? '') ? -1 : 1));
  const joined = new Map<string, string>();
  for (const i of order) {
    const name = names[i] ?? '';
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? (values[i] ?? '') : `${previous};${values[i] ?? ''}`);
  }
  let out = '';
  for (const [name, value] of joined) out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(value)}"`;
  return out;
}

/** Joins two rendered label sets, either of which may be empty. */
export function joinLabels(a: string, b: string): string {
  if (a === '') return b;
  return b === '' ? a : `${a},${b}`;
}
