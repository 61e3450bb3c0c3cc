/**
 * Route normalisation: turns a raw request path into a bounded `http.route` template, because a
 * raw path (`/users/8812?tab=2`) as a label creates one series per user and exhausts memory.
 * Used by the manual HTTP API and the automatic instrumentation when no framework route exists.
 */
import type { IncomingMessage } from 'node:http';

/** The single `http.route` value every unmatched request (404s, scanners) collapses into. */
export const UNMATCHED_ROUTE = '/*unmatched';

/** The placeholder that replaces an identifier-like segment unless `placeholder` is set. */
export const ID_PLACEHOLDER = ':id';

/**
 * Segments that are identifiers, not route structure. Order does not matter: a segment matching
 * any of them becomes the placeholder.
 */
export const DEFAULT_ID_PATTERNS: readonly RegExp[] = Object.freeze([
  /** Decimal ids: `/orders/1234`. */
  /^\d+$/,
  /** UUIDs of any version: `/users/550e8400-e29b-41d4-a716-446655440000`. */
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /** Long hex (hashes, MongoDB ObjectIds of 24 hex digits): 16 or more hex digits. */
  /^[0-9a-f]{16,}$/i,
]);

export interface RouteNormalizerOptions {
  /** Extra segment patterns that mean "identifier" (slugs, ULIDs, ...); added to the defaults. */
  readonly patterns?: readonly RegExp[];
  /** Replacement for identifier segments; default {@link ID_PLACEHOLDER}. */
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
 * Creates a normaliser. Without `routes`, identifier-like segments are replaced and the rest of
 * the path kept; with `routes`, the matching template is returned verbatim. Either way a
 * `statusCode` of 404 in the hint yields {@link UNMATCHED_ROUTE}, as does a non-string path.
 */
export function createRouteNormalizer(options: RouteNormalizerOptions = {}): RouteNormalizer {
  // Stateless copies: a caller's `g` or `y` flag would make `test` resume from `lastIndex`.
  const extra = (options.patterns ?? []).map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
  const patterns = [...DEFAULT_ID_PATTERNS, ...extra];
  const placeholder = options.placeholder ?? ID_PLACEHOLDER;
  const templates = options.routes?.map(compileTemplate);

  return (path, hint) => {
    if (typeof path !== 'string' || hint?.statusCode === 404) return UNMATCHED_ROUTE;
    const segments = splitPath(path);
    if (templates !== undefined) {
      return templates.find((template) => matches(template, segments))?.route ?? UNMATCHED_ROUTE;
    }
    const normalised = segments.map((segment) =>
      patterns.some((pattern) => pattern.test(segment)) ? placeholder : segment,
    );
    return `/${normalised.join('/')}`;
  };
}

/** The default normaliser: built-in identifier patterns, no allow-list. */
export const normalizeRoute: RouteNormalizer = createRouteNormalizer();

const ROUTE = Symbol.for('promkit.http.route');

type Routed = object & { [ROUTE]?: string };

/**
 * Tells promkit the route template that served `request` (`/users/:id`), for frameworks that do
 * not expose it in a way promkit reads (Express, Fastify and NestJS routes are read automatically;
 * `promkit/koa` and `promkit/hono` call this for you). Call it any time before the response ends;
 * the template still passes through the route normaliser. Pass {@link UNMATCHED_ROUTE} when the
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
