import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { metrics } from '../../src/facade/metrics.js';
import { createRouteNormalizer } from '../../src/facade/http/route.js';
import { start, type PromkitHandle } from '../../src/start.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
let app: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
  app = undefined;
  await handle?.shutdown();
  handle = undefined;
});

/** The `_count` samples of the server duration histogram, by route. */
async function countsByRoute(scrape: () => Promise<string>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of parsePrometheusText(await scrape()).samples) {
    if (sample.name !== 'http_server_request_duration_seconds_count') continue;
    const route = sample.labels['http_route'] ?? '';
    counts[route] = (counts[route] ?? 0) + sample.value;
  }
  return counts;
}

test('the automatic path and metrics.http both apply the route allow-list start() was given', async () => {
  handle = await start({
    host: '127.0.0.1',
    port: 0,
    instrumentFetch: false,
    normalizeRoute: createRouteNormalizer({ routes: ['/users/:id'] }),
  });
  app = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
  const { port } = app.address() as AddressInfo;
  // Automatic: Node's diagnostics channel sees this request.
  const response = await fetch(`http://127.0.0.1:${port}/orders/8`);
  expect(await response.text()).toBe('ok');
  // Manual: what a user records for a request the automatic path does not see.
  metrics.http.recordServerRequest({ method: 'GET', path: '/orders/8', statusCode: 200, durationS: 0.01 });
  metrics.http.recordServerRequest({ method: 'GET', path: '/users/8', statusCode: 200, durationS: 0.01 });

  // The automatic record happens on the response's close, right after the body arrived.
  let counts: Record<string, number> = {};
  for (let attempt = 0; attempt < 50 && (counts['/*unmatched'] ?? 0) < 2; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    counts = await countsByRoute(() => handle!.scrape());
  }
  expect(counts).toEqual({ '/*unmatched': 2, '/users/:id': 1 });
});
