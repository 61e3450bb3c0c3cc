/**
 * The scrape endpoint's options: where it listens, its path, auth and collection deadline,
 * resolved from `start()`'s options and the environment. Owned here, beside the server.
 */
import { nonEmpty, parseBoolean, parseBooleanOr, type Env } from '../env.js';
import { ConfigError } from '../errors.js';
import type { EndpointAuth } from './auth.js';
import { DEFAULT_COLLECT_TIMEOUT_MILLIS } from './server.js';

export const DEFAULT_HOST = 'localhost';
export const DEFAULT_PORT = 9464;
export const DEFAULT_ENDPOINT = '/metrics';

/** The options of `start()` this module reads (see `StartOptions` for each one's contract). */
export interface ServerOptions {
  readonly host?: string;
  readonly port?: number;
  readonly endpoint?: string;
  readonly scrapeServer?: boolean;
  readonly authToken?: string;
  readonly basicAuth?: string;
  readonly ui?: boolean;
  readonly collectTimeoutMillis?: number;
}

export interface ResolvedServerConfig {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly scrapeServer: boolean;
  readonly auth: EndpointAuth;
  /** Whether `/metrics/ui` is served. */
  readonly ui: boolean;
  readonly collectTimeoutMillis: number;
}

/** The scrape endpoint's settings: options over `env` over defaults. Throws a `ConfigError` naming the bad setting. */
export function resolve(options: ServerOptions, env: Env): ResolvedServerConfig {
  const port = options.port ?? parsePort(env['OTEL_EXPORTER_PROMETHEUS_PORT']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('port', `${String(port)} is not a port number; use an integer from 0 to 65535 (0 picks a free port)`);
  }
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  if (!endpoint.startsWith('/')) throw new ConfigError('endpoint', `"${endpoint}" must start with "/", e.g. "/metrics"`);
  return {
    host: options.host ?? nonEmpty(env['OTEL_EXPORTER_PROMETHEUS_HOST']) ?? DEFAULT_HOST,
    port,
    endpoint,
    scrapeServer: options.scrapeServer ?? (nonEmpty(env['PROMKIT_SCRAPE_SERVER']) === undefined || parseBoolean('PROMKIT_SCRAPE_SERVER', env['PROMKIT_SCRAPE_SERVER'])),
    auth: resolveAuth(options, env),
    ui: options.ui ?? parseBooleanOr('PROMKIT_UI', env['PROMKIT_UI'], true),
    collectTimeoutMillis: resolveCollectTimeout(options, env),
  };
}

function parsePort(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_PORT;
  if (!/^\d+$/.test(value)) {
    throw new ConfigError('OTEL_EXPORTER_PROMETHEUS_PORT', `"${value}" is not a port number; set an integer from 0 to 65535 (0 picks a free port)`);
  }
  return Number(value);
}

function resolveCollectTimeout(options: ServerOptions, env: Env): number {
  const raw = nonEmpty(env['PROMKIT_COLLECT_TIMEOUT_MS']);
  if (options.collectTimeoutMillis === undefined && raw !== undefined && !/^\d+$/.test(raw)) {
    throw new ConfigError('PROMKIT_COLLECT_TIMEOUT_MS', `"${raw}" is not a number of milliseconds; set a positive integer, e.g. 5000`);
  }
  const millis = options.collectTimeoutMillis ?? (raw !== undefined ? Number(raw) : DEFAULT_COLLECT_TIMEOUT_MILLIS);
  if (!Number.isFinite(millis) || millis <= 0) {
    throw new ConfigError('collectTimeoutMillis', `${String(millis)} must be a positive number of milliseconds, e.g. 5000`);
  }
  return millis;
}

/**
 * A token or `user:password` from options or the environment. Both at once is refused rather
 * than silently preferring one: a client configured for the other would be locked out.
 */
function resolveAuth(options: ServerOptions, env: Env): EndpointAuth {
  // A variable that is set but blank is refused, never read as "no auth": an empty secret (an
  // unset CI secret, a stray `export X=`) must not silently open the endpoints.
  const token = options.authToken ?? env['PROMKIT_METRICS_TOKEN'];
  const basic = options.basicAuth ?? env['PROMKIT_METRICS_BASIC_AUTH'];
  if (token !== undefined && basic !== undefined) {
    throw new ConfigError('PROMKIT_METRICS_TOKEN', 'a bearer token and basic auth are both set; set only one of PROMKIT_METRICS_TOKEN and PROMKIT_METRICS_BASIC_AUTH');
  }
  if (token !== undefined) {
    if (token.trim() === '' || /\s/.test(token)) {
      throw new ConfigError('PROMKIT_METRICS_TOKEN', 'the token is blank or contains whitespace; set a non-empty token without spaces, or unset the variable to serve without auth');
    }
    return { kind: 'bearer', token };
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon < 1 || colon === basic.length - 1 || basic.slice(0, colon).trim() === '' || basic.slice(colon + 1).trim() === '') {
      throw new ConfigError('PROMKIT_METRICS_BASIC_AUTH', 'expected "user:password" with a non-empty user and password (or unset the variable to serve without auth)');
    }
    return { kind: 'basic', username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return { kind: 'none' };
}

