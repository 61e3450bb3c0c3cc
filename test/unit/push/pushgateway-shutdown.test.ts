import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { PushgatewayPusher } from '../../../src/push/pushgateway.js';

it('a final push given up on says how long it was retried, not "within 0 ms"', async () => {
  // A Pushgateway that is down: every PUT is a 503, retried until the push's time limit.
  const server = createServer((_request, response) => response.writeHead(503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const drops: string[] = [];
  try {
    const pusher = new PushgatewayPusher({
      config: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers: {}, timeoutMillis: 300 },
      target: { job: 'nightly', instance: '' },
      scrape: async () => 'jobs_total 3\n',
      onDrop: (reason, _samples, detail) => drops.push(`${reason}: ${detail}`),
      backoff: { minMillis: 1, maxMillis: 4 },
    });
    await pusher.shutdown();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  expect(drops).toHaveLength(1);
  const waited = Number(/within (\d+) ms/.exec(drops[0]!)?.[1]);
  // At least the 300 ms the push was retried for.
  expect(waited).toBeGreaterThanOrEqual(300);
});
