/**
 * Text-format building blocks (0.0.4 and OpenMetrics): escaping, number spelling and label sets. Kept apart from
 * the serializer so that the hot loop there only concatenates strings these functions prepared.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { prometheusLabelName } from '../naming.js';

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
 * A label set as Prometheus sees it: sanitised names and text values, in attribute order. The one
 * place attributes become labels; the text, OpenMetrics, protobuf and JSON outputs all start here.
 */
export interface LabelPairs {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

/**
 * The label pairs of `attributes`. Two keys sanitised to one name (`a.b` and `a_b`) are joined with
 * `;` in the lexicographic order of the original keys, as the spec says, because a repeated label
 * name is invalid in every format.
 */
export function labelPairs(attributes: Attributes): LabelPairs {
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
  return collision ? joinColliding(names, values, keys) : { names, values };
}

function joinColliding(names: string[], values: string[], keys: string[]): LabelPairs {
  const order = keys.map((_, i) => i).sort((a, b) => ((keys[a] ?? '') < (keys[b] ?? '') ? -1 : 1));
  const joined = new Map<string, string>();
  for (const i of order) {
    const name = names[i] ?? '';
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? (values[i] ?? '') : `${previous};${values[i] ?? ''}`);
  }
  return { names: [...joined.keys()], values: [...joined.values()] };
}

/** Renders label pairs as text (`a="x",b="y"`, no braces), values escaped. */
export function pairsText(pairs: LabelPairs): string {
  let out = '';
  for (let i = 0; i < pairs.names.length; i++) {
    out += `${i === 0 ? '' : ','}${pairs.names[i]}="${escapeLabelValue(pairs.values[i] ?? '')}"`;
  }
  return out;
}

/**
 * Rendered label sets per attributes object. The SDK hands out the same attributes object for a
 * series on every collection (promkit's allow-list views even make it an SDK-owned copy), so
 * after the first scrape a series' labels cost one WeakMap lookup. The cache treats attributes as
 * immutable, as the OTel data model does; entries go with the series.
 */
const labelCache = new WeakMap<Attributes, string>();

/** The label set for `attributes`, cached; `''` when there are none. */
export function renderLabels(attributes: Attributes): string {
  const cached = labelCache.get(attributes);
  if (cached !== undefined) return cached;
  const rendered = pairsText(labelPairs(attributes));
  labelCache.set(attributes, rendered);
  return rendered;
}

/** Joins two rendered label sets, either of which may be empty. */
export function joinLabels(a: string, b: string): string {
  if (a === '') return b;
  return b === '' ? a : `${a},${b}`;
}
