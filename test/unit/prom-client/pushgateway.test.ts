import { createServer, Agent, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { Counter, Pushgateway, Registry } from '../../../src/prom-client/index.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in gateway that records requests and answers with `status`. */
async function gateway(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status).end(status >= 400 ? 'bad push' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function registryWithJobs(): Registry {
  const registry = new Registry();
  new Counter({ name: 'jobs_total', help: 'Jobs.', registers: [registry] }).inc(3);
  return registry;
}

describe('Pushgateway', () => {
  test('push (PUT), pushAdd (POST) and delete (DELETE) with job, groupings and the registry text', async () => {
    const { url, received } = await gateway();
    const client = new Pushgateway(url, {}, registryWithJobs());
    await client.push({ jobName: 'batch', groupings: { instance: 'a&b', zone: 'eu' } });
    await client.pushAdd({ jobName: 'batch' });
    const { resp, body } = (await client.delete({ jobName: 'batch' })) as { resp: { statusCode: number }; body: string };
    expect(received.map((r) => [r.method, r.url, r.body.toString()])).toEqual([
      ['PUT', '/metrics/job/batch/instance/a%26b/zone/eu', '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n'],
      ['POST', '/metrics/job/batch', '# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n'],
      ['DELETE', '/metrics/job/batch', ''],
    ]);
    expect([resp.statusCode, body]).toEqual([200, '']);
  });

  test('a base path, custom headers, gzip and an agent', async () => {
    const { url, received } = await gateway();
    const agent = new Agent({ keepAlive: false });
    const client = new Pushgateway(`${url}/gateway`, { headers: { 'Content-Encoding': 'gzip', 'X-Team': 'data' }, agent }, registryWithJobs());
    await client.pushAdd({ jobName: 'batch' });
    await client.delete({ jobName: 'batch' });
    expect(received[0]!.url).toBe('/gateway/metrics/job/batch');
    expect(received[0]!.headers['x-team']).toBe('data');
    expect(gunzipSync(received[0]!.body).toString()).toBe('# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n');
    // A DELETE has no body, so no Content-Encoding.
    expect(received[1]!.headers['content-encoding']).toBeUndefined();
    agent.destroy();
  });

  test('rejects on a status >= 400 with the body, and without a job name', async () => {
    const { url } = await gateway(400);
    const client = new Pushgateway(url, {}, registryWithJobs());
    await expect(client.push({ jobName: 'batch' })).rejects.toThrow('push failed with status 400, bad push');
    expect(() => client.push({} as never)).toThrow('Missing jobName parameter');
    const optional = new Pushgateway(url, { requireJobName: false }, registryWithJobs());
    await expect(optional.push({} as never)).rejects.toThrow('push failed with status 400');
  });

  test('a grouping value with a slash uses the base64 form the Pushgateway decodes', async () => {
    const { url, received } = await gateway();
    await new Pushgateway(url, {}, registryWithJobs()).push({ jobName: 'batch', groupings: { path: '/api/v1' } });
    expect(received[0]!.url).toBe(`/metrics/job/batch/path@base64/${Buffer.from('/api/v1').toString('base64url')}`);
  });
});
