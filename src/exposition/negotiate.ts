/**
 * Content negotiation for the scrape, as Prometheus and client_golang do it: the media ranges of
 * `Accept` in order of preference (`q`, ties in the order given), the first one promkit can serve
 * wins. Protobuf is chosen only when asked for and when the collection holds a native histogram:
 * it is the only format that can carry one, and the text formats are cheaper to produce and read
 * otherwise. No acceptable range (or no header) means text format 0.0.4.
 */
import { PROTOBUF_CONTENT_TYPE } from './protobuf.js';

export { PROTOBUF_CONTENT_TYPE };

/** The Prometheus text exposition format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** The same, under the name promkit has always exported it by. */
export const PROMETHEUS_CONTENT_TYPE = TEXT_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const EXPOSITION_FORMATS = ['text', 'openmetrics', 'protobuf'] as const;
export type ExpositionFormat = (typeof EXPOSITION_FORMATS)[number];

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of accept.split(',')) {
    const [type = '', ...rest] = item.split(';');
    const params = new Map<string, string>();
    for (const param of rest) {
      const equals = param.indexOf('=');
      if (equals === -1) continue;
      params.set(param.slice(0, equals).trim().toLowerCase(), param.slice(equals + 1).trim().replace(/^"|"$/g, ''));
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    ranges.push({ type: type.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  // Array.prototype.sort is stable: equal q keeps the client's order.
  return ranges.filter((range) => range.q > 0).sort((a, b) => b.q - a.q);
}

function formatFor(range: MediaRange, nativeHistograms: boolean): ExpositionFormat | undefined {
  const version = range.params.get('version');
  switch (range.type) {
    case 'application/vnd.google.protobuf':
      return nativeHistograms && range.params.get('proto') === 'io.prometheus.client.MetricFamily' && range.params.get('encoding') === 'delimited'
        ? 'protobuf'
        : undefined;
    case 'application/openmetrics-text':
      return version === undefined || version === '1.0.0' || version === '0.0.1' ? 'openmetrics' : undefined;
    case 'text/plain':
      return version === undefined || version === '0.0.4' ? 'text' : undefined;
    case '*/*':
    case 'text/*':
      return 'text';
    default:
      return undefined;
  }
}

/** The format to serve for an `Accept` header; `nativeHistograms`: the collection holds at least one. */
export function negotiateFormat(accept: string | undefined, options: { readonly nativeHistograms: boolean }): ExpositionFormat {
  if (accept === undefined || accept === '') return 'text';
  for (const range of parseAccept(accept)) {
    const format = formatFor(range, options.nativeHistograms);
    if (format !== undefined) return format;
  }
  return 'text';
}

/** The `Content-Type` each format is served with. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: TEXT_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
  protobuf: PROTOBUF_CONTENT_TYPE,
};
