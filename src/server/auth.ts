/**
 * Client authentication for the scrape endpoints. Credentials are compared as SHA-256 digests
 * with `timingSafeEqual`: digests always have the same length, so neither the comparison time
 * nor an early length mismatch tells a client how much of its guess was right.
 */

/** How the endpoints authenticate clients: not at all, a bearer token, or HTTP basic auth. */
export type EndpointAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface Authenticator {
  /** True when the `Authorization` header carries the configured credentials. */
  accepts(authorization: string | undefined): boolean;
  /** The `WWW-Authenticate` challenge sent with a 401. */
  readonly challenge: string;
}

const REALM = 'promkit';

/** The authenticator for `auth`, or undefined when the endpoints are open. */
export function createAuthenticator(auth: EndpointAuth): Authenticator | undefined {
  if (auth.kind === 'none') return undefined;
  // `node:crypto` only when credentials are configured: an open endpoint never loads it.
  const { createHash, timingSafeEqual } = process.getBuiltinModule('node:crypto');
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  const scheme = auth.kind === 'bearer' ? 'bearer' : 'basic';
  const expected = digest(auth.kind === 'bearer' ? auth.token : `${auth.username}:${auth.password}`);
  return {
    challenge: auth.kind === 'bearer' ? `Bearer realm="${REALM}"` : `Basic realm="${REALM}", charset="UTF-8"`,
    accepts(authorization) {
      if (authorization === undefined) return false;
      const space = authorization.indexOf(' ');
      if (space < 0 || authorization.slice(0, space).toLowerCase() !== scheme) return false;
      const credentials = authorization.slice(space + 1).trim();
      const presented = scheme === 'bearer' ? credentials : Buffer.from(credentials, 'base64').toString('utf8');
      return timingSafeEqual(digest(presented), expected);
    },
  };
}

/**
 * Whether the client accepts gzip: a `gzip` (or `x-gzip`, or `*`) coding whose q-value is not 0
 * (RFC 9110 §12.5.3). Prometheus sends `Accept-Encoding: gzip`.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
