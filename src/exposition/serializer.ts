/**
 * Serialises collected OTel metrics as Prometheus text format 0.0.4. promkit keeps
 * `PrometheusExporter` only as the MetricReader and writes the text itself, because the upstream
 * serializer neither adds unit suffixes (see `naming.ts`) nor is fast enough: it allocates
 * per sample and re-sanitises every label on every scrape. Here a scrape is mostly string
 * concatenation of pieces cached per series (labels), per family (header) and per boundary list.
 */
import type { Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { collectFamilies, warnOnce, type ExportDropReporter, type Family, type Part, type Point } from './families.js';
import { formatValue, joinLabels, renderLabels } from './format.js';

/** What to write besides the metric samples. */
export interface SerializeOptions {
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
}

/**
 * Where rendering stopped, so a sliced serialisation can resume after yielding, and the text so
 * far. Text is gathered as one string per point in `pending`, joined into a flat chunk every
 * {@link CHUNK_POINTS} points. Appending everything to one string with `+=` builds a rope of
 * millions of nodes that stay alive until the end, so every young-generation GC copies them: that
 * cost more than the rendering (20–40 ms pauses in sliced mode) and the rope still had to be
 * flattened when the response was encoded. The final join of the chunks is one synchronous step.
 */
interface Cursor {
  family: number;
  part: number;
  point: number;
  /** The current family's `# HELP`/`# TYPE` lines are written (a slice can end right after them). */
  headed: boolean;
  readonly chunks: string[];
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

function targetInfo(resourceMetrics: ResourceMetrics, options: SerializeOptions): string {
  if (options.targetInfo === false) return '';
  const labels = renderLabels(resourceMetrics.resource.attributes);
  const series = labels === '' ? 'target_info' : `target_info{${labels}}`;
  return `# HELP target_info Target metadata\n# TYPE target_info gauge\n${series} 1\n`;
}

function labelsAt<T>(part: Part<T>, index: number, point: Point<T>): string {
  const precomputed = part.labels;
  if (precomputed !== undefined) return precomputed[index] ?? '';
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

/**
 * Renders from `cursor` until done (returns true) or, when `deadline` is finite, until the clock
 * passes it (returns false; call again to continue).
 */
function render(families: readonly Family[], cursor: Cursor, deadline: number): boolean {
  const timed = deadline !== Infinity;
  let pending = cursor.pending;
  /** Flushes a chunk; in sliced mode also reports whether the slice is used up. */
  const checkpoint = (): boolean => {
    cursor.chunks.push(pending.join(''));
    pending = cursor.pending = [];
    return timed && performance.now() > deadline;
  };
  for (; cursor.family < families.length; cursor.family++, cursor.part = 0, cursor.point = 0, cursor.headed = false) {
    const family = families[cursor.family];
    if (family === undefined) continue;
    if (!cursor.headed) {
      pending.push(family.header);
      cursor.headed = true;
    }
    const name = family.name;
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
          if (point === undefined) continue;
          const labels = labelsAt(part, i, point);
          pending.push(`${labels === '' ? name : `${name}{${labels}}`} ${formatValue(point.value)}\n`);
        }
      }
      continue;
    }
    const bucketName = `${name}_bucket{`;
    const sumName = `${name}_sum`;
    const countName = `${name}_count`;
    for (; cursor.part < family.parts.length; cursor.part++, cursor.point = 0) {
      const part: Part<Histogram> | undefined = family.parts[cursor.part];
      if (part === undefined) continue;
      const points = part.points;
      let lastBoundaries: readonly number[] | undefined;
      let pieces: string[] = [];
      for (let i = cursor.point; i < points.length; i++) {
        if (pending.length >= CHUNK_POINTS && checkpoint()) {
          cursor.point = i;
          return false;
        }
        const point = points[i];
        if (point === undefined) continue;
        const histogram = point.value;
        const boundaries = histogram.buckets.boundaries;
        if (boundaries !== lastBoundaries) {
          lastBoundaries = boundaries;
          pieces = piecesFor(boundaries);
        }
        const labels = histogramLabels(name, labelsAt(part, i, point));
        const open = labels === '' ? bucketName : `${bucketName}${labels},`;
        const counts = histogram.buckets.counts;
        let text = '';
        let cumulative = 0;
        for (let b = 0; b < pieces.length; b++) {
          cumulative += counts[b] ?? 0;
          text += `${open}${pieces[b]}${cumulative}\n`;
        }
        const rest = labels === '' ? ' ' : `{${labels}} `;
        if (histogram.sum !== undefined) text += `${sumName}${rest}${formatValue(histogram.sum)}\n`;
        pending.push(`${text}${countName}${rest}${histogram.count}\n`);
      }
    }
  }
  cursor.chunks.push(pending.join(''));
  cursor.pending = [];
  return true;
}

function startCursor(resourceMetrics: ResourceMetrics, options: SerializeOptions): Cursor {
  return { family: 0, part: 0, point: 0, headed: false, chunks: [targetInfo(resourceMetrics, options)], pending: [] };
}

/**
 * The Prometheus text (format 0.0.4) for one collection. Pure apart from caches keyed by the
 * collected objects and one-time `diag.warn`s for conflicts; blocks for the whole rendering, so
 * servers with many series should prefer {@link serializeInSlices}.
 */
export function serialize(resourceMetrics: ResourceMetrics, options: SerializeOptions = {}): string {
  const families = collectFamilies(resourceMetrics, options);
  const cursor = startCursor(resourceMetrics, options);
  render(families, cursor, Infinity);
  return cursor.chunks.join('');
}

/**
 * The same text as {@link serialize}, rendered in slices of about `sliceBudgetMs` that yield to
 * the event loop (`setImmediate`) in between, so a scrape of tens of thousands of series never
 * stalls request handling for long. Collected data are snapshots, so interleaved recordings do
 * not change the result.
 */
export async function serializeInSlices(
  resourceMetrics: ResourceMetrics,
  options: SerializeOptions = {},
  sliceBudgetMs = 5,
): Promise<string> {
  return (await serializeChunksInSlices(resourceMetrics, options, sliceBudgetMs)).join('');
}

/**
 * The exposition as an ordered list of text chunks, rendered in slices that yield to the event
 * loop. The scrape server writes the chunks one by one instead of joining them: flattening and
 * encoding a 15 MB string is itself a long block of the loop.
 */
export async function serializeChunksInSlices(
  resourceMetrics: ResourceMetrics,
  options: SerializeOptions = {},
  sliceBudgetMs = 5,
): Promise<string[]> {
  const families = collectFamilies(resourceMetrics, options);
  const cursor = startCursor(resourceMetrics, options);
  while (!render(families, cursor, performance.now() + sliceBudgetMs)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return cursor.chunks;
}
