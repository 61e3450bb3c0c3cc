/**
 * A small, strict parser for Prometheus text format 0.0.4, for tests: it throws on anything it
 * does not understand, so a malformed exposition fails the test instead of parsing to nothing.
 * Timestamps are accepted and ignored; `# UNIT` and other comments are ignored.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** What `# HELP` / `# TYPE` said about a family (help is unescaped). */
export interface FamilyInfo {
  type: string | undefined;
  help: string | undefined;
}

/** The parsed exposition. */
export interface ParsedExposition {
  readonly families: Map<string, FamilyInfo>;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`Bad sample value "${text}" in line: ${line}`);
  return value;
}

function unescape(text: string, quotes: boolean): string {
  return text.replace(quotes ? /\\([\\"n])/g : /\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function family(families: Map<string, FamilyInfo>, name: string): FamilyInfo {
  let info = families.get(name);
  if (info === undefined) {
    info = { type: undefined, help: undefined };
    families.set(name, info);
  }
  return info;
}

function parseLabels(line: string, start: number, labels: Record<string, string>): number {
  let i = start;
  for (;;) {
    if (line[i] === '}') return i + 1;
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (name === undefined || line[i + name.length] !== '=' || line[i + name.length + 1] !== '"') {
      throw new Error(`Bad label at ${i} in line: ${line}`);
    }
    i += name.length + 2;
    let raw = '';
    while (line[i] !== '"') {
      if (i >= line.length) throw new Error(`Unterminated label value in line: ${line}`);
      if (line[i] === '\\') {
        raw += line.slice(i, i + 2);
        i += 2;
      } else {
        raw += line[i];
        i++;
      }
    }
    if (name in labels) throw new Error(`Duplicate label ${name} in line: ${line}`);
    labels[name] = unescape(raw, true);
    i++;
    if (line[i] === ',') i++;
  }
}

/** Parses an exposition; throws on malformed lines, duplicate labels or a repeated `# TYPE`. */
export function parsePrometheusText(text: string): ParsedExposition {
  const families = new Map<string, FamilyInfo>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([^ ]+)(?: (.*))?$/.exec(line);
      if (match === null) continue;
      const [, keyword, name = '', rest = ''] = match;
      const info = family(families, name);
      if (keyword === 'TYPE') {
        if (info.type !== undefined) throw new Error(`Repeated # TYPE for ${name}`);
        info.type = rest;
      } else {
        if (info.help !== undefined) throw new Error(`Repeated # HELP for ${name}`);
        info.help = unescape(rest, false);
      }
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`Bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    let i = name.length;
    if (line[i] === '{') i = parseLabels(line, i + 1, labels);
    if (line[i] !== ' ') throw new Error(`Expected a space after the series in line: ${line}`);
    const [value = '', timestamp] = line.slice(i + 1).split(' ');
    if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error(`Bad timestamp in line: ${line}`);
    samples.push({ name, labels, value: parseValue(value, line) });
  }
  return { families, samples };
}
