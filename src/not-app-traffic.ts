/**
 * The announcement that a request on the app's own port is promkit's (a scrape served there),
 * not app traffic. The scrape server publishes it and the HTTP server metrics listen, and neither
 * imports the other: a channel name and a publish function that both can reach from below.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The channel on which promkit announces a request served by its own endpoints on the app's
 * port, with `{ request, response }`: the HTTP server metrics release it from the in-flight
 * count there and then, and never record it.
 */
export const NOT_APP_TRAFFIC_CHANNEL = 'promkit.http.server.not_app_traffic';

const notAppTraffic = diagnosticsChannel.channel(NOT_APP_TRAFFIC_CHANNEL);

/**
 * Tells the HTTP server metrics that `request` is promkit's own (a scrape served on the app's
 * port), not app traffic. It can only be known once the app's handler runs, after the metrics
 * saw the request start, so the request is taken back out rather than never counted.
 */
export function markNotAppTraffic(request: IncomingMessage, response: ServerResponse): void {
  if (notAppTraffic.hasSubscribers) notAppTraffic.publish({ request, response });
}

const NOT_APP_SERVER = Symbol.for('promkit.http.notAppServer');
type Marked = { [NOT_APP_SERVER]?: true };

/**
 * Marks `server` (promkit's own scrape port) as one none of whose requests are app traffic, so
 * the HTTP server metrics skip them with one property read instead of asking per request which
 * port the request came in on.
 */
export function markNotAppServer(server: object): void {
  (server as Marked)[NOT_APP_SERVER] = true;
}

/** Whether {@link markNotAppServer} marked `server`. */
export function isNotAppServer(server: unknown): boolean {
  return typeof server === 'object' && server !== null && (server as Marked)[NOT_APP_SERVER] === true;
}
