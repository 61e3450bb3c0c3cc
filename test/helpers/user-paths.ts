/**
 * Request paths whose segments are values a client chose (email addresses, JWT-like tokens,
 * slugs, file names, percent-encoded text), made by a seeded generator so every run sends the
 * same ones. Each comes with the value that must never appear in a label.
 */
export interface UserPath {
  readonly kind: 'email' | 'jwt' | 'token' | 'slug' | 'file' | 'percent';
  readonly path: string;
  readonly value: string;
  /** The route the default normaliser gives it: the prefix's route words, then `:id` for each value segment. */
  readonly route: string;
}

/** The paths issue 24 found as labels on a plain `node:http` server, with the route each must become. */
export const REPORTED_PATHS: readonly UserPath[] = [
  { kind: 'slug', path: '/products/blue-shirt', value: 'blue-shirt', route: '/products/:id' },
  { kind: 'email', path: '/u/john.doe@example.com', value: 'john.doe@example.com', route: '/u/:id' },
  { kind: 'token', path: '/tokens/AbCdEfGhIjKlMnOp1234', value: 'AbCdEfGhIjKlMnOp1234', route: '/tokens/:id' },
  { kind: 'file', path: '/files/a/b/c.txt', value: 'c.txt', route: '/files/a/b/:id' },
];

const WORDS = ['blue', 'shirt', 'john', 'doe', 'alpha', 'summer', 'sale', 'report', 'invoice', 'photo', 'red', 'mary', 'smith', 'quarterly', 'draft'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;
const EXTENSIONS = ['txt', 'pdf', 'png', 'tar.gz', 'json', 'csv'];
const NAMES = ['Jürgen Müller', 'O\'Brien & Sons', 'naïve café', '東京', 'a b', 'x/y', 'résumé', '100%'];

/** mulberry32: a small seeded generator, so the generated paths are the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` paths of each kind (six kinds), under route-word prefixes such as `/u/` and `/api/v1/files/`. */
export function generateUserPaths(count: number, seed = 24): UserPath[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chars = (alphabet: string, length: number) => Array.from({ length }, () => pick([...alphabet])).join('');
  const words = (min: number) => Array.from({ length: min + Math.floor(next() * 3) }, () => pick(WORDS));
  const paths: UserPath[] = [];
  for (let i = 0; i < count; i++) {
    const user = `${words(1).join('.')}${Math.floor(next() * 100)}`;
    const email = `${user}@${pick(WORDS)}.${pick(['com', 'org', 'io'])}`;
    paths.push({ kind: 'email', path: `/users/${email}/settings`, value: email, route: '/users/:id/settings' });
    const jwt = [chars(B64URL, 36), chars(B64URL, 20 + Math.floor(next() * 60)), chars(B64URL, 43)].join('.');
    paths.push({ kind: 'jwt', path: `/api/v1/sessions/${jwt}`, value: jwt, route: '/api/v1/sessions/:id' });
    // A token made of letters and digits, at least one capital or digit (never one lowercase word).
    const token = `${chars(ALNUM, 15 + Math.floor(next() * 30))}${pick(['Q', '7', 'Z', '0'])}`;
    paths.push({ kind: 'token', path: `/reset/${token}?utm=mail`, value: token, route: '/reset/:id' });
    const slug = `${words(2).join('-')}${next() < 0.5 ? `-${Math.floor(next() * 1000)}` : ''}`;
    paths.push({ kind: 'slug', path: `/blog/${slug}`, value: slug, route: '/blog/:id' });
    const file = `${pick(WORDS)}_${Math.floor(next() * 10000)}.${pick(EXTENSIONS)}`;
    paths.push({ kind: 'file', path: `/downloads/${file}`, value: file, route: '/downloads/:id' });
    const name = encodeURIComponent(`${pick(NAMES)} ${i}`);
    paths.push({ kind: 'percent', path: `/people/${name}/avatar`, value: name, route: '/people/:id/avatar' });
  }
  return paths;
}
