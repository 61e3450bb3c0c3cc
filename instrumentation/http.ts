import type { IncomingMessage } from 'node:http';
import type { MeterProvider } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';

export interface HttpInstrumentationOptions {
  readonly meterProvider: MeterProvider;
  /** The scrape server's port, read per request because it is only known once bound. */
  readonly scrapePort: () => number | undefined;
  /** Record incoming (server) requests; false when another source records them. */
  readonly incoming: boolean;
  /** Record outgoing (client) requests; false when another source records them. */
  readonly outgoing: boolean;
}

/**
 * Starts `@opentelemetry/instrumentation-http` (stable semantic conventions:
 * `http.server.request.duration`, `http.client.request.duration`, in seconds), only when
 * configuration chooses it as a source: start() imports this module lazily. Requests to the
 * scrape endpoint are ignored by local port, so Prometheus's own scrapes never count as app
 * traffic. Returns a function that disables it again.
 */
export function instrumentHttp(options: HttpInstrumentationOptions): () => void {
  const instrumentation = new HttpInstrumentation({
    disableIncomingRequestInstrumentation: !options.incoming,
    disableOutgoingRequestInstrumentation: !options.outgoing,
    ignoreIncomingRequestHook: (request: IncomingMessage) => {
      const port = options.scrapePort();
      return port !== undefined && request.socket.localPort === port;
    },
  });
  return registerInstrumentations({ instrumentations: [instrumentation], meterProvider: options.meterProvider });
}
