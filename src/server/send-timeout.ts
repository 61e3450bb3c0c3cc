/**
 * A bound on how long the scrape port spends on one response. A client that reads slowly (or
 * not at all) otherwise holds its socket and its body in memory for as long as it likes: twenty
 * clients reading at 1 KB/s held theirs for 30 s. Inactivity timeouts do not catch that (a slow
 * reader is never idle), so the bound runs from the request's arrival to the last byte handed to
 * the kernel; past it the socket is destroyed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../errors.js';

/**
 * The default bound: Prometheus's default `scrape_timeout`. A body still being sent after the
 * scraper's timeout goes to a scraper that has given up on it, so a scraper that declares a
 * longer timeout (`X-Prometheus-Scrape-Timeout-Seconds`) gets that instead, up to
 * {@link MAX_DECLARED_SEND_TIMEOUT_MILLIS}.
 */
export const DEFAULT_SEND_TIMEOUT_MILLIS = 10_000;

/** The most a request's own declared timeout can extend the bound: no client holds a socket for longer. */
export const MAX_DECLARED_SEND_TIMEOUT_MILLIS = 300_000;

/** `sendTimeoutMillis`, else env `PROMKIT_SCRAPE_SEND_TIMEOUT_MS`, else {@link DEFAULT_SEND_TIMEOUT_MILLIS}. */
export function resolveSendTimeout(options: { readonly sendTimeoutMillis?: number | undefined }, env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['PROMKIT_SCRAPE_SEND_TIMEOUT_MS']?.trim();
  if (options.sendTimeoutMillis === undefined && raw !== undefined && raw !== '' && !/^\d+$/.test(raw)) {
    throw new ConfigError('PROMKIT_SCRAPE_SEND_TIMEOUT_MS', `"${raw}" is not a number of milliseconds; set a positive integer, e.g. ${DEFAULT_SEND_TIMEOUT_MILLIS}`);
  }
  const millis = options.sendTimeoutMillis ?? (raw !== undefined && raw !== '' ? Number(raw) : DEFAULT_SEND_TIMEOUT_MILLIS);
  if (!Number.isFinite(millis) || millis <= 0) {
    const setting = options.sendTimeoutMillis !== undefined ? 'sendTimeoutMillis' : 'PROMKIT_SCRAPE_SEND_TIMEOUT_MS';
    throw new ConfigError(setting, `${String(millis)} must be a positive number of milliseconds, e.g. ${DEFAULT_SEND_TIMEOUT_MILLIS}`);
  }
  return millis;
}

/** The bound for one request: `millis`, or the scraper's declared timeout when longer (capped). */
function boundFor(request: IncomingMessage, millis: number, header: string): number {
  const declared = request.headers[header];
  const seconds = typeof declared === 'string' ? Number(declared) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return millis;
  return Math.max(millis, Math.min(seconds * 1000, MAX_DECLARED_SEND_TIMEOUT_MILLIS));
}

/**
 * Destroys the response's socket if it has not finished within the bound, and tells `onTimeout`.
 * The timer never keeps the process alive and is cleared when the response closes.
 */
export function limitSend(request: IncomingMessage, response: ServerResponse, millis: number, timeoutHeader: string, onTimeout: () => void): void {
  const timer = setTimeout(() => {
    if (response.writableFinished) return;
    response.destroy();
    request.socket.destroy();
    onTimeout();
  }, boundFor(request, millis, timeoutHeader));
  timer.unref();
  response.once('close', () => clearTimeout(timer));
}
