/**
 * Serialises collected OTel metrics as Prometheus text: format 0.0.4, or OpenMetrics 1.0 (with
 * `# UNIT`, `_created`, exemplars and `# EOF`). promkit writes the text itself rather than use the
 * upstream exporter's serializer, which neither adds unit suffixes nor speaks OpenMetrics, and is
 * not fast enough: it allocates per sample and
 * re-sanitises every label on every scrape. Here a scrape is mostly string concatenation of pieces
 * cached per series (labels), per family (header) and per boundary list.
 */
import type { HrTime } from '@opentelemetry/api';
import type { ExponentialHistogram, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Exemplar, ExemplarReader } from '../record/exemplars.js';
import { bucketIndex, cumulativeCounts, exponentialBuckets } from './buckets.js';
import { collectFamilies, warnOnce, type ExportDropReporter, type Family, type Part, type Point } from './families.js';
import { escapeHelp, formatValue, joinLabels, renderLabels } from './format.js';
import { yieldToLoop } from '../yield.js';

/** The text formats: Prometheus 0.0.4, and OpenMetrics 1.0. */
export const TEXT_FORMATS = ['text', 'openmetrics'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

/** What to write besides the metric samples. */
export interface SerializeOptions {
  /** `text` (0.0.4, default) or `openmetrics`. */
  readonly format?: TextFormat;
  /** Unit suffixes on names (`_seconds`, `_bytes`). Default true. */
  readonly unitSuffixes?: boolean;
  /**
   * Add `otel_scope_name` / `otel_scope_version` to every series. Default false: the scope rarely
   * matters in PromQL, and without it a metric keeps its name when it moves between libraries.
   */
  readonly scopeLabels?: boolean;
  /** Write the resource as `target_info{…} 1`, the spec's home for service identity. Default true. */
  readonly targetInfo?: boolean;
  /** Told about each point left out because its metric's name collides with another's. */
  readonly onDrop?: ExportDropReporter | undefined;
  /** Where OpenMetrics finds exemplars (0.0.4 has no place for them). */
  readonly exemplars?: ExemplarReader | undefined;
}

/**
 * Where rendering stopped, so a sliced serialisation can resume after yielding, and the text so
 * far. Text is gathered as one string per point in `pending`, joined into a flat chunk every
 * {@link CHUNK_POINTS} points and passed through `encode`. Appending everything to one string
 * with `+=` builds a rope of millions of nodes that stay alive until the end, so every
 * young-generation GC copies them: that cost more than the rendering (20–40 ms pauses in sliced
 * mode) and the rope still had to be flattened when the response was encoded.
 */
interface Cursor<T> {
  family: number;
  part: number;
  point: number;
  /** The current family's header lines are written (a slice can end right after them). */
  headed: boolean;
  readonly chunks: T[];
  readonly encode: (text: string) => T;
  pending: string[];
}

/** Points per flat chunk, and between two clock reads in sliced mode (a histogram point is ~15 lines). */
const CHUNK_POINTS = 64;

/** Cached `le="…"} ` pieces per boundary array; the SDK shares one array per instrument. */
const lePieces = new WeakMap<readonly number[], string[]>();

function piecesFor(boundaries: readonly number[]): string[] {
  let pieces = lePieces.get(boundaries);
  if (pieces === undefined) {
    pieces = boundaries.map((b) => `le="${formatValue(b)}"} `);
    pieces.push('le="+Inf"} ');
    lePieces.set(boundaries, pieces);
  }
  return pieces;
}

/** OpenMetrics escapes `"` in HELP text as well. */
function escapeOpenMetricsHelp(text: string): string {
  const escaped = escapeHelp(text);
  return escaped.includes('"') ? escaped.replace(/"/g, '\\"') : escaped;
}

/** The `# HELP`/`# TYPE` (and OpenMetrics `# UNIT`) lines; OpenMetrics names a counter family without `_total`. */
function header(family: Family, openMetrics: boolean): string {
  if (!openMetrics) return `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.kind}\n`;
  const name = family.kind === 'counter' ? family.name.slice(0, -'_total'.length) : family.name;
  const unit = family.unit === '' ? '' : `# UNIT ${name} ${family.unit}\n`;
  return `# HELP ${name} ${escapeOpenMetricsHelp(family.help)}\n# TYPE ${name} ${family.kind}\n${unit}`;
}

function targetInfo(resourceMetrics: ResourceMetrics, options: SerializeOptions): string {
  if (options.targetInfo === false) return '';
  const labels = renderLabels(resourceMetrics.resource.attributes);
  const series = labels === '' ? 'target_info' : `target_info{${labels}}`;
  // OpenMetrics has an info type: family `target`, sample `target_info`.
  if (options.format === 'openmetrics') return `# HELP target Target metadata\n# TYPE target info\n${series} 1\n`;
  return `# HELP target_info Target metadata\n# TYPE target_info gauge\n${series} 1\n`;
}

function labelsOf<T>(part: Part<T>, point: Point<T>): string {
  const labels = renderLabels(point.attributes);
  return part.scopeLabels === '' ? labels : joinLabels(labels, part.scopeLabels);
}

/**
 * An attribute that becomes `le` would repeat the bucket label and make Prometheus reject the
 * whole scrape, so on histograms it is renamed `key_le` (with a one-time warning). Escaping keeps
 * `,le="` from occurring inside a label value, so the test has no false positives.
 */
function histogramLabels(name: string, labels: string): string {
  if (!labels.startsWith('le="') && !labels.includes(',le="')) return labels;
  warnOnce(`le-label:${name}`, `promkit: histogram "${name}" has an attribute named "le"; exported as "key_le".`);
  return labels.startsWith('le="') ? `key_${labels}` : labels.replace(',le="', ',key_le="');
}

/** ` # {trace_id="…",span_id="…"} value timestamp`: the OpenMetrics exemplar suffix of a sample line. */
function exemplarText(exemplar: Exemplar | undefined): string {
  if (exemplar === undefined) return '';
  return ` # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${formatValue(exemplar.value)} ${formatValue(exemplar.timestampMs / 1000)}`;
}

/** The latest kept exemplar for each bucket of `boundaries` (kept ones are re-placed by value: overrides may change the buckets). */
function bucketExemplars(kept: ReadonlyArray<Exemplar | undefined>, boundaries: readonly number[]): Array<Exemplar | undefined> {
  const placed: Array<Exemplar | undefined> = [];
  for (const exemplar of kept) {
    if (exemplar === undefined) continue;
    const index = bucketIndex(boundaries, exemplar.value);
    const current = placed[index];
    if (current === undefined || current.timestampMs <= exemplar.timestampMs) placed[index] = exemplar;
  }
  return placed;
}

function createdText(name: string, rest: string, start: HrTime | undefined): string {
  return start === undefined ? '' : `${name}_created${rest}${formatValue(start[0] + start[1] / 1e9)}\n`;
}

/** The shared state of one rendering: format switches and a scratch array for cumulative counts. */
interface Writer {
  readonly openMetrics: boolean;
  readonly exemplars: ExemplarReader | undefined;
  readonly cumulative: number[];
}

function numberLine(writer: Writer, family: Family, part: Part<number>, point: Point<number>): string {
  const name = family.name;
  const labels = labelsOf(part, point);
  const series = labels === '' ? name : `${name}{${labels}}`;
  if (!writer.openMetrics || family.kind !== 'counter') return `${series} ${formatValue(point.value)}\n`;
  const exemplar = writer.exemplars?.of(family.otelName, point.attributes)?.[0];
  const base = name.slice(0, -'_total'.length);
  return `${series} ${formatValue(point.value)}${exemplarText(exemplar)}\n${createdText(base, labels === '' ? ' ' : `{${labels}} `, point.startTime)}`;
}

function histogramLines(writer: Writer, family: Family, labels: string, histogram: Histogram, point: Point<unknown>): string {
  const name = family.name;
  const boundaries = histogram.buckets.boundaries;
  const pieces = piecesFor(boundaries);
  const open = labels === '' ? `${name}_bucket{` : `${name}_bucket{${labels},`;
  const cumulative = cumulativeCounts(histogram.buckets.counts, writer.cumulative);
  const kept = writer.openMetrics ? writer.exemplars?.of(family.otelName, point.attributes) : undefined;
  const exemplars = kept === undefined ? undefined : bucketExemplars(kept, boundaries);
  let text = '';
  for (let b = 0; b < pieces.length; b++) {
    text += `${open}${pieces[b]}${cumulative[b] ?? histogram.count}${exemplars === undefined ? '' : exemplarText(exemplars[b])}\n`;
  }
  const rest = labels === '' ? ' ' : `{${labels}} `;
  const sum = histogram.sum === undefined ? '' : `${name}_sum${rest}${formatValue(histogram.sum)}\n`;
  if (!writer.openMetrics) return `${text}${sum}${name}_count${rest}${histogram.count}\n`;
  return `${text}${name}_count${rest}${histogram.count}\n${sum}${createdText(name, rest, point.startTime)}`;
}

/**
 * A native histogram's series in a text format: its classic twin's when it has one (the text
 * formats carry only classic buckets); else its exponential buckets as exact classic ones.
 */
function nativeAsClassic(value: ExponentialHistogram): Histogram {
  return { buckets: exponentialBuckets(value), count: value.count, ...(value.sum === undefined ? {} : { sum: value.sum }) };
}

/**
 * Renders from `cursor` until done (returns true) or, when `deadline` is finite, until the clock
 * passes it (returns false; call again to continue).
 */
function render<T>(families: readonly Family[], cursor: Cursor<T>, deadline: number, writer: Writer): boolean {
  const timed = deadline !== Infinity;
  let pending = cursor.pending;
  /** Flushes a chunk; in sliced mode also reports whether the slice is used up. */
  const checkpoint = (): boolean => {
    cursor.chunks.push(cursor.encode(pending.join('')));
    pending = cursor.pending = [];
    return timed && performance.now() > deadline;
  };
  for (; cursor.family < families.length; cursor.family++, cursor.part = 0, cursor.point = 0, cursor.headed = false) {
    const family = families[cursor.family];
    if (family === undefined) continue;
    if (!cursor.headed) {
      pending.push(header(family, writer.openMetrics));
      cursor.headed = true;
    }
    if (family.kind !== 'histogram') {
      for (; cursor.part < family.parts.length; cursor.part++, cursor.point = 0) {
        const part = family.parts[cursor.part];
        if (part === undefined) continue;
        const points = part.points;
        for (let i = cursor.point; i < points.length; i++) {
          if (pending.length >= CHUNK_POINTS && checkpoint()) {
            cursor.point = i;
            return false;
          }
          const point = points[i];
          if (point !== undefined) pending.push(numberLine(writer, family, part, point));
        }
      }
      continue;
    }
    // Classic parts when there are any; a native-only family shows its exponential buckets.
    const classic = family.parts.length > 0;
    const parts: ReadonlyArray<Part<Histogram> | Part<ExponentialHistogram>> = classic ? family.parts : family.native;
    for (; cursor.part < parts.length; cursor.part++, cursor.point = 0) {
      const part = parts[cursor.part];
      if (part === undefined) continue;
      const points = part.points as ReadonlyArray<Point<Histogram | ExponentialHistogram>>;
      for (let i = cursor.point; i < points.length; i++) {
        if (pending.length >= CHUNK_POINTS && checkpoint()) {
          cursor.point = i;
          return false;
        }
        const point = points[i];
        if (point === undefined) continue;
        const histogram = classic ? (point.value as Histogram) : nativeAsClassic(point.value as ExponentialHistogram);
        const labels = histogramLabels(family.name, labelsOf(part as Part<unknown>, point));
        pending.push(histogramLines(writer, family, labels, histogram, point));
      }
    }
  }
  if (writer.openMetrics) pending.push('# EOF\n');
  cursor.chunks.push(cursor.encode(pending.join('')));
  cursor.pending = [];
  return true;
}

function start<T>(
  resourceMetrics: ResourceMetrics,
  options: SerializeOptions,
  encode: (text: string) => T,
): { families: Family[]; cursor: Cursor<T>; writer: Writer } {
  const openMetrics = options.format === 'openmetrics';
  return {
    families: collectFamilies(resourceMetrics, options),
    cursor: { family: 0, part: 0, point: 0, headed: false, chunks: [encode(targetInfo(resourceMetrics, options))], encode, pending: [] },
    writer: { openMetrics, exemplars: openMetrics ? options.exemplars : undefined, cumulative: [] },
  };
}

const asText = (text: string): string => text;
const asUtf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * The Prometheus text (format 0.0.4, or OpenMetrics) for one collection. Pure apart from caches
 * keyed by the collected objects and one-time `diag.warn`s for conflicts; blocks for the whole
 * rendering, so servers with many series should prefer {@link serializeInSlices}.
 */
export function serialize(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}): string {
  const { families, cursor, writer } = start(resourceMetrics, options, asText);
  render(families, cursor, Infinity, writer);
  return cursor.chunks.join('');
}

/**
 * Renders in slices of about `sliceBudgetMs`, each chunk through `encode`, giving the event loop
 * a turn ({@link yieldToLoop}) before the first slice and between two. Each slice's chunks are
 * handed on before the next slice starts, so a consumer can send or compress them meanwhile.
 */
async function* renderInSlices<T>(resourceMetrics: ResourceMetrics, options: SerializeOptions, sliceBudgetMs: number, encode: (text: string) => T): AsyncGenerator<T> {
  // The collection usually settled in this same loop turn, in one synchronous block of its own:
  // rendering starts on a later turn so the two never add up to one long block.
  await yieldToLoop();
  const { families, cursor, writer } = start(resourceMetrics, options, encode);
  for (;;) {
    const done = render(families, cursor, performance.now() + sliceBudgetMs, writer);
    yield* cursor.chunks;
    cursor.chunks.length = 0;
    if (done) return;
    await yieldToLoop();
  }
}

async function gather<T>(chunks: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

/**
 * The same text as {@link serialize}, rendered in slices of about `sliceBudgetMs` that yield to
 * the event loop in between (timers and I/O run, see `yieldToLoop`), so a scrape of tens of
 * thousands of series never stalls request handling for long. Collected data are snapshots, so
 * interleaved recordings do not change the result.
 */
export async function serializeInSlices(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}, sliceBudgetMs = 5): Promise<string> {
  return (await gather(renderInSlices(resourceMetrics, options, sliceBudgetMs, asText))).join('');
}

/**
 * The same text as {@link serializeInSlices}, as ordered UTF-8 chunks of at most
 * {@link CHUNK_POINTS} points each, handed out slice by slice as they are rendered: the scrape
 * server compresses them while later slices render. Flattening and encoding a 15 MB string is
 * itself a long block of the loop, and each chunk is encoded as soon as it is rendered: text held
 * until the response is sent would outlive young-generation GCs, be copied by each of them and
 * fill the old generation (10k histogram series render 15 MB per scrape); bytes live outside the
 * JavaScript heap.
 */
export function serializeChunks(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}, sliceBudgetMs = 5): AsyncIterable<Buffer> {
  return renderInSlices(resourceMetrics, options, sliceBudgetMs, asUtf8);
}

/** {@link serializeChunks}, gathered: every chunk, once the last slice is rendered. */
export async function serializeChunksInSlices(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}, sliceBudgetMs = 5): Promise<Buffer[]> {
  return gather(serializeChunks(resourceMetrics, options, sliceBudgetMs));
}
