/**
 * The cells of one HTTP server histogram (`http.server.request.duration`, say) indexed by its
 * labels, so that the request path finds its cell with three `Map` lookups (method, status,
 * route) and a scan of a short list (scheme, protocol version, error type: a handful of
 * combinations per route), without building an attributes object or a key string. A label set
 * seen for the first time makes its attributes once; past the cardinality limit it is served by
 * the overflow cell and not indexed, so the index never outgrows the metric's series.
 */
import type { Attributes } from '@opentelemetry/api';
import type { HistogramCell, HistogramCellSet } from '../../record/histogram-cells.js';
import { LabelProblem, resolveLabels } from '../../record/labels.js';

/** A cell and the three labels that tell it apart from the other cells of its route. */
interface Tail {
  readonly scheme: string | undefined;
  readonly protocolVersion: string | undefined;
  readonly errorType: string | undefined;
  readonly cell: HistogramCell;
}

/** Stands for "no status" (no response was sent) in the status index. */
const NO_STATUS = -1;

export class ServerCells {
  readonly #byMethod = new Map<string, Map<number, Map<string, Tail[]>>>();

  constructor(
    private readonly cells: HistogramCellSet,
    /** The metric's declared label keys; values are checked and cut to length once, when a cell is made. */
    private readonly labelKeys: ReadonlySet<string>,
  ) {}

  /**
   * The cell of one label set. `method` is already normalised and `route` already a template;
   * undefined leaves a label out, as semconv says for a request without a response.
   */
  cell(
    method: string,
    statusCode: number | undefined,
    route: string,
    scheme: string | undefined,
    protocolVersion: string | undefined,
    errorType: string | undefined,
  ): HistogramCell {
    const tails = this.#byMethod.get(method)?.get(statusCode ?? NO_STATUS)?.get(route);
    if (tails !== undefined) {
      for (let i = 0; i < tails.length; i++) {
        const tail = tails[i] as Tail;
        if (tail.scheme === scheme && tail.protocolVersion === protocolVersion && tail.errorType === errorType) return tail.cell;
      }
    }
    if (this.cells.full) return this.cells.overflow();
    const attributes = this.#attributes(method, statusCode, route, scheme, protocolVersion, errorType);
    if (attributes === undefined) return this.cells.overflow();
    const cell = this.cells.cell(attributes);
    this.#index(method, statusCode ?? NO_STATUS, route).push({ scheme, protocolVersion, errorType, cell });
    return cell;
  }

  #index(method: string, status: number, route: string): Tail[] {
    let byStatus = this.#byMethod.get(method);
    if (byStatus === undefined) this.#byMethod.set(method, (byStatus = new Map()));
    let byRoute = byStatus.get(status);
    if (byRoute === undefined) byStatus.set(status, (byRoute = new Map()));
    let tails = byRoute.get(route);
    if (tails === undefined) byRoute.set(route, (tails = []));
    return tails;
  }

  #attributes(
    method: string,
    statusCode: number | undefined,
    route: string,
    scheme: string | undefined,
    protocolVersion: string | undefined,
    errorType: string | undefined,
  ): Attributes | undefined {
    const labels: Record<string, string | number> = { 'http.request.method': method, 'http.route': route };
    if (statusCode !== undefined) labels['http.response.status_code'] = statusCode;
    if (scheme !== undefined) labels['url.scheme'] = scheme;
    if (protocolVersion !== undefined) labels['network.protocol.version'] = protocolVersion;
    if (errorType !== undefined) labels['error.type'] = errorType;
    const attributes = resolveLabels(labels, this.labelKeys);
    // The facade builds these labels itself; a problem here would be a bug, so it lands in overflow rather than throwing.
    return attributes instanceof LabelProblem ? undefined : Object.freeze({ ...attributes });
  }
}
