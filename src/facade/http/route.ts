/**
 * Route normalisation: turns a raw request path into a bounded `http.route` template, because a
 * raw path (`/users/8812?tab=2`) as a label creates one series per user and exhausts memory, and
 * puts whatever the client sent (an email address, a token) into the time-series database.
 * Used by the manual HTTP API and the automatic instrumentation when no framework route exists.
 *
 * The rule for a raw path: a segment is kept only when it is a *route word* (see
 * {@link ROUTE_WORD}), the one shape of segment that names route structure rather than carries a
 * value such as an email address or a token; every other segment becomes the placeholder. A
 * template from a framework or `setRoute` is the app's own text and is kept, apart from
 * identifier-like segments.
 */
import type { IncomingMessage } from 'node:http';

/** The single `http.route` value every unmatched request (404s, scanners) collapses into. */
export const UNMATCHED_ROUTE = '/*unmatched';

/** The placeholder that replaces a segment of a raw path that is not a route word, unless `placeholder` is set. */
export const ID_PLACEHOLDER = ':id';

/**
 * Segments that are identifiers, not route structure, wherever they appear: in a template too
 * (a raw path passed to `setRoute` by mistake), and even when they look like a route word
 * (`/facadedecadebeef` is 16 hex digits). Order does not matter.
 */
export const DEFAULT_ID_PATTERNS: readonly RegExp[] = Object.freeze([
  /** Decimal ids: `/orders/1234`. */
  /^\d+$/,
  /** UUIDs of any version: `/users/550e8400-e29b-41d4-a716-446655440000`. */
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /** Long hex (hashes, MongoDB ObjectIds of 24 hex digits): 16 or more hex digits. */
  /^[0-9a-f]{16,}$/i,
]);

/**
 * The segments of a raw path that are kept verbatim: 1 to 32 lowercase ASCII letters or
 * underscores starting with a letter (`users`, `api`, `order_items`), or an API version (`v1`).
 * Anything with a digit, a capital, a dot, `@`, `-`, `%` or any other character becomes the
 * placeholder, so an email address (`/u/john.doe@example.com`), a token, a hyphenated slug
 * (`blue-shirt`), a file name (`c.txt`) or a percent-encoded value never reaches a label.
 * A value that is itself one lowercase word (`/tags/red`) cannot be told from route structure by
 * looking at it: give such routes by `routes`, `setRoute` or a framework.
 */
export const ROUTE_WORD: readonly RegExp[] = Object.freeze([/^[a-z][a-z_]{0,31}$/, /^v\d{1,3}$/]);

export interface RouteNormalizerOptions {
  /**
   * Extra segment patterns that mean "identifier": a route word matching one becomes the
   * placeholder too (a raw path's other segments always do).
   */
  readonly patterns?: readonly RegExp[];
  /** What replaces a segment that is not kept; default {@link ID_PLACEHOLDER}. */
  readonly placeholder?: string;
  /**
   * Known route templates (`/users/:id`, `/files/*`). When given, a path that matches none of them
   * is {@link UNMATCHED_ROUTE}, so only these values (plus that one) can ever appear. In a
   * template, a segment starting with `:` or wrapped in `{}` matches any one segment, and a final
   * `*` matches the rest of the path.
   */
  readonly routes?: readonly string[];
}

/** What the caller knows about the request; a 404 means no route matched it. */
export interface RouteHint {
  readonly statusCode?: number;
  /**
   * True when the string is a route template the app wrote (from `setRoute` or a framework's
   * router), not a path a client sent: the default normaliser then keeps every segment but the
   * identifier-like ones (`/api/order-items/:itemId` stays as written).
   */
  readonly template?: boolean;
}

/** Maps a raw path to a bounded route template. Never throws. */
export type RouteNormalizer = (path: string, hint?: RouteHint) => string;

type Template = { readonly route: string; readonly segments: readonly string[]; readonly rest: boolean };

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

function compileTemplate(route: string): Template {
  const segments = splitPath(route);
  const rest = segments[segments.length - 1] === '*';
  return { route, segments: rest ? segments.slice(0, -1) : segments, rest };
}

function isParam(segment: string): boolean {
  return segment.startsWith(':') || (segment.startsWith('{') && segment.endsWith('}'));
}

function matches(template: Template, segments: readonly string[]): boolean {
  if (template.rest ? segments.length < template.segments.length : segments.length !== template.segments.length) {
    return false;
  }
  return template.segments.every((segment, i) => isParam(segment) || segment === segments[i]);
}

/** Path without scheme/host, query or fragment, split on `/` with empty segments dropped. */
function splitPath(raw: string): string[] {
  let path = raw.replace(ABSOLUTE_FORM, '');
  const cut = path.search(/[?#]/);
  if (cut !== -1) path = path.slice(0, cut);
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * Creates a normaliser. Without `routes`, a raw path keeps its route words ({@link ROUTE_WORD})
 * and every other segment becomes the placeholder (`/products/blue-shirt` → `/products/:id`); a
 * template (`hint.template`) keeps every segment but the identifier-like ones. With `routes`, the
 * matching template is returned verbatim and anything else is {@link UNMATCHED_ROUTE}. Either way
 * a `statusCode` of 404 in the hint yields {@link UNMATCHED_ROUTE}, as does a non-string path.
 */
export function createRouteNormalizer(options: RouteNormalizerOptions = {}): RouteNormalizer {
  // Stateless copies: a caller's `g` or `y` flag would make `test` resume from `lastIndex`.
  const extra = (options.patterns ?? []).map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
  const patterns = [...DEFAULT_ID_PATTERNS, ...extra];
  const placeholder = options.placeholder ?? ID_PLACEHOLDER;
  const templates = options.routes?.map(compileTemplate);
  const isIdentifier = (segment: string) => patterns.some((pattern) => pattern.test(segment));
  const isRouteWord = (segment: string) => ROUTE_WORD.some((word) => word.test(segment)) && !isIdentifier(segment);

  return (path, hint) => {
    if (typeof path !== 'string' || hint?.statusCode === 404) return UNMATCHED_ROUTE;
    const segments = splitPath(path);
    if (templates !== undefined) {
      return templates.find((template) => matches(template, segments))?.route ?? UNMATCHED_ROUTE;
    }
    const template = hint?.template === true;
    const normalised = segments.map((segment) =>
      (template ? !isIdentifier(segment) : isRouteWord(segment)) ? segment : placeholder,
    );
    return `/${normalised.join('/')}`;
  };
}

/** The default normaliser: route words kept, every other segment of a raw path `:id`; no allow-list. */
export const normalizeRoute: RouteNormalizer = createRouteNormalizer();

const ROUTE = Symbol.for('promkit.http.route');

type Routed = object & { [ROUTE]?: string };

/**
 * Tells promkit the route template that served `request` (`/users/:id`), for frameworks that do
 * not expose it in a way promkit reads (Express, Fastify and NestJS routes are read automatically;
 * `promkit/koa` and `promkit/hono` call this for you). Call it any time before the response ends;
 * the template still passes through the route normaliser, as a template (`hint.template`): the
 * default one keeps it as written but for identifier-like segments. Pass {@link UNMATCHED_ROUTE} when the
 * framework matched no route, so the raw path never becomes a label.
 */
export function setRoute(request: IncomingMessage, template: string): void {
  (request as Routed)[ROUTE] = template;
}

/** The template given to {@link setRoute} for `request`, if any. */
export function explicitRouteOf(request: IncomingMessage): string | undefined {
  return (request as Routed)[ROUTE];
}

const ROUTED = Symbol.for('promkit.http.routedServer');

type Marked = object & { [ROUTED]?: true };

/**
 * Marks `server` as owned by a router (a Fastify instance's server): a request it serves without
 * a route template is {@link UNMATCHED_ROUTE}, whatever its status, instead of a normalised path.
 */
export function markRoutedServer(server: object): void {
  (server as Marked)[ROUTED] = true;
}

/** Whether {@link markRoutedServer} marked `server`. */
export function isRoutedServer(server: unknown): boolean {
  return typeof server === 'object' && server !== null && (server as Marked)[ROUTED] === true;
}
