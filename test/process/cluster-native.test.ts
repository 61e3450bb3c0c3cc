/**
 * Native histograms in cluster mode: the workers record `http.server.request.duration` as a
 * native histogram too (PROMKIT_NATIVE_HISTOGRAMS), and the primary's one endpoint must serve the
 * merged native histogram when asked for protobuf, as a single process would.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { decodeDelimited, num, sub, text, type Message } from '../helpers/protobuf-decode.js';

const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function startCluster(workers: number): Promise<{ appPort: number; scrapeUrl: string }> {
  const child = spawn(process.execPath, ['--import', './register.js', 'test/fixtures/cluster-app.mjs'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PROMKIT_CLUSTER: 'true',
      PROMKIT_NATIVE_HISTOGRAMS: 'http.server.request.duration',
      CLUSTER_WORKERS: String(workers),
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stops.push(async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  const appPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start; stderr:\n${stderr}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  const scrapeUrl = /serving metrics at (\S+)/.exec(stderr)?.[1];
  if (scrapeUrl === undefined) throw new Error(`the primary serves no metrics; stderr:\n${stderr}`);
  return { appPort, scrapeUrl };
}

function get(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      response.resume();
      response.once('end', resolve);
    })
      .once('error', reject)
      .end();
  });
}

/** The histogram message of each series of `name` in a protobuf scrape. */
async function histograms(url: string, name: string): Promise<{ contentType: string; series: Message[] }> {
  const response = await fetch(url, { headers: { Accept: PROTOBUF_ACCEPT } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const family = decodeDelimited(bytes).find((f) => text(f.get(1)?.[0]) === name);
  return { contentType: response.headers.get('content-type') ?? '', series: (family?.get(4) ?? []).map((metric) => sub(sub(metric).get(7)?.[0])) };
}

describe('cluster mode with native histograms', () => {
  it('the primary serves the workers\' merged native histogram as protobuf, with every request counted', async () => {
    const { appPort, scrapeUrl } = await startCluster(2);
    const requests = 200;
    for (let i = 0; i < requests; i += 10) await Promise.all(Array.from({ length: 10 }, () => get(appPort, '/a')));
    await expect
      .poll(async () => {
        const { series } = await histograms(scrapeUrl, 'http_server_request_duration_seconds');
        return series.reduce((total, h) => total + (num(h.get(1)?.[0]) ?? 0), 0);
      }, { timeout: 20_000 })
      .toBe(requests);
    const { contentType, series } = await histograms(scrapeUrl, 'http_server_request_duration_seconds');
    expect(contentType).toContain('application/vnd.google.protobuf');
    // One series (route /a, status 200) carrying both the classic buckets and the native schema.
    expect(series).toHaveLength(1);
    const [h] = series;
    expect(h!.get(5), 'native schema').toHaveLength(1);
    expect(h!.get(12)?.length ?? 0, 'positive spans').toBeGreaterThan(0);
    expect(h!.get(3)?.length ?? 0, 'classic buckets').toBeGreaterThan(0);
  }, 60_000);
});
