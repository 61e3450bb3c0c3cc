// Statistics and text output shared by the bench sections: medians, ratios, fixed-width tables
// for the terminal and the same tables as Markdown for bench/RESULTS.md.

/** `{ min, median, max }` of a list of numbers. */
export function spreadOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: median(sorted), max: sorted[sorted.length - 1] };
}

/** The median of a list of numbers (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Formats a number with a precision that suits its size: 0.0123, 1.23, 12.3, 1,234. */
export function num(value, digits = 3) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return value.toPrecision(digits).replace(/\.?0+$/, (m) => (m.includes('.') ? '' : m));
}

/** `a / b` as `1.23x`, or `n/a` when either side is missing. */
export function ratio(a, b) {
  if (!(a > 0) || !(b > 0)) return 'n/a';
  return `${num(a / b)}x`;
}

/** Byte counts as `512 B`, `12.3 kB`, `4.56 MB` (decimal units). */
export function bytes(value) {
  if (!(value >= 0)) return 'n/a';
  if (value < 1000) return `${Math.round(value)} B`;
  if (value < 1e6) return `${num(value / 1e3)} kB`;
  return `${num(value / 1e6)} MB`;
}

/**
 * One section of the report: a title, a table (header row plus rows of cells), and free lines
 * under it (ratios, notes). Sections render to the terminal and to Markdown alike.
 */
export class Section {
  constructor(title) {
    this.title = title;
    this.header = [];
    this.rows = [];
    this.lines = [];
  }

  columns(...names) {
    this.header = names;
    return this;
  }

  row(...cells) {
    this.rows.push(cells.map((c) => (typeof c === 'number' ? num(c) : String(c))));
    return this;
  }

  /** A ratio line; the tests look for lines starting with `ratio `. */
  ratio(label, a, b, note = '') {
    this.lines.push(`ratio ${label}: ${ratio(a, b)}${note ? `  (${note})` : ''}`);
    return this;
  }

  /** Per-round (or per-pair) ratios as `min / median / max`; the tests look for lines starting with `ratio `. */
  spread(label, ratios, note = '') {
    const sorted = ratios.filter((r) => Number.isFinite(r)).sort((a, b) => a - b);
    const text = sorted.length === 0 ? 'n/a' : `${num(sorted[0])}x / ${num(median(sorted))}x / ${num(sorted[sorted.length - 1])}x`;
    this.lines.push(`ratio ${label} (min / median / max of ${sorted.length}): ${text}${note ? `  (${note})` : ''}`);
    return this;
  }

  note(text) {
    this.lines.push(text);
    return this;
  }

  toText() {
    const out = [`== ${this.title} ==`];
    if (this.header.length > 0) {
      const widths = this.header.map((h, i) => Math.max(h.length, ...this.rows.map((r) => (r[i] ?? '').length)));
      const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      out.push(line(this.header), widths.map((w) => '-'.repeat(w)).join('  '));
      for (const r of this.rows) out.push(line(r));
    }
    if (this.lines.length > 0) out.push('', ...this.lines);
    return `${out.join('\n')}\n`;
  }

  toMarkdown() {
    const out = [`## ${this.title}`, ''];
    if (this.header.length > 0) {
      out.push(`| ${this.header.join(' | ')} |`, `| ${this.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
      for (const r of this.rows) out.push(`| ${r.join(' | ')} |`);
      out.push('');
    }
    for (const l of this.lines) out.push(`- ${l}`);
    if (this.lines.length > 0) out.push('');
    return out.join('\n');
  }
}

/** Nanoseconds elapsed since `start` (a `process.hrtime.bigint()` value), as a number. */
export function elapsedNs(start) {
  return Number(process.hrtime.bigint() - start);
}

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()` value). */
export function elapsedMs(start) {
  return elapsedNs(start) / 1e6;
}
