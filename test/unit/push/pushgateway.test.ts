import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { groupUrl, PushgatewayPusher } from '../../../src/push/pushgateway.js';
import type { PushDropReason } from '../../../src/push/sender.js';

describe('Pushgateway grouping key', () => {
  it('puts job and instance in the path, base64 (URL-safe) when a value has a slash or is empty', () => {
    expect(groupUrl('http://gw:9091/', { job: 'nightly import', instance: 'host-1' })).toBe('http://gw:9091/metrics/job/nightly%20import/instance/host-1');
    expect(groupUrl('http://gw:9091', { job: 'shop/checkout', instance: '' })).toBe('http://gw:9091/metrics/job@base64/c2hvcC9jaGVja291dA/instance@base64/=');
  });
});

describe('PushgatewayPusher', () => {
  it('PUTs the exposition to the group, retrying a 503, and resolves once accepted; a 400 is dropped and counted', async () => {
    const statuses = [503, 200, 400];
    const requests: { method: string; url: string; contentType: string; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ method: request.method!, url: request.url!, contentType: request.headers['content-type']!, body });
        response.writeHead(statuses[requests.length - 1] ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const drops: { reason: PushDropReason; samples: number }[] = [];
    try {
      const text = '# TYPE jobs_total counter\njobs_total 3\njobs_total{kind="x"} 1\n';
      const pusher = new PushgatewayPusher({
        config: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers: {}, timeoutMillis: 10_000 },
        target: { job: 'nightly', instance: 'host-1' },
        scrape: async () => text,
        onDrop: (reason, samples) => drops.push({ reason, samples }),
        backoff: { minMillis: 1, maxMillis: 4 },
      });
      await pusher.push();
      expect(requests).toHaveLength(2);
      expect(requests[1]).toEqual({ method: 'PUT', url: '/metrics/job/nightly/instance/host-1', contentType: 'text/plain; version=0.0.4; charset=utf-8', body: text });
      expect(drops).toEqual([]);
      await pusher.push();
      expect(requests).toHaveLength(3);
      expect(drops).toEqual([{ reason: 'rejected', samples: 2 }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a Pushgateway that stays down is reported at shutdown with the time the push waited, not "within 0 ms"', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const drops: { reason: PushDropReason; samples: number; detail: string }[] = [];
    const pusher = new PushgatewayPusher({
      config: { url: `http://127.0.0.1:${port}`, headers: {}, timeoutMillis: 200 },
      target: { job: 'nightly', instance: 'host-1' },
      scrape: async () => 'jobs_total 3\n',
      onDrop: (reason, samples, detail) => drops.push({ reason, samples, detail }),
      backoff: { minMillis: 5, maxMillis: 20 },
    });
    await pusher.shutdown();
    expect(drops.map(({ reason, samples }) => ({ reason, samples }))).toEqual([{ reason: 'shutdown', samples: 1 }]);
    const waited = Number(/within (\d+) ms/.exec(drops[0]!.detail)?.[1]);
    // The final push waited its whole timeoutMillis before giving up.
    expect(waited).toBeGreaterThanOrEqual(200);
  });
});
