/**
 * promkit beside the OpenTelemetry Node SDK (`promkitReader()` + `promkitViews()`), as an app
 * with its own NodeSDK and instrumentation-http runs it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';

let child: ReturnType<typeof spawn> | undefined;
let appPort = 0;
let scrapeUrl = '';
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['test/fixtures/sdk-node-startup.cjs'], {
    cwd: ROOT,
    env: { ...process.env, OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  [appPort, scrapeUrl] = await new Promise<[number, string]>((resolve, reject) => {
    let stdout = '';
    child!.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+) (\S+)/.exec(stdout);
      if (match) resolve([Number(match[1]), match[2]!]);
    });
    child!.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${stderr}`)));
  });
}, 30_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

async function scrape(): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(scrapeUrl)).text()).samples;
}

describe('beside the OpenTelemetry Node SDK', () => {
  it('keeps a gauge set and a counter add made right after sdk.start()', async () => {
    const samples = await scrape();
    expect(samples.filter((s) => s.name === 'app_ready')).toEqual([{ name: 'app_ready', labels: {}, value: 1 }]);
    expect(samples.filter((s) => s.name === 'app_starts_total')).toEqual([{ name: 'app_starts_total', labels: {}, value: 1 }]);
  });

  it('counts 25 app requests as 25, however often /metrics was scraped meanwhile', async () => {
    for (let i = 0; i < 25; i++) {
      await (await fetch(`http://127.0.0.1:${appPort}/order`)).text();
      if (i % 4 === 0) await scrape();
    }
    const samples = await scrape();
    const count = samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').reduce((total, s) => total + s.value, 0);
    expect(count, stderr).toBe(25);
  });

  it('serves the runtime metrics, as start() does', async () => {
    const names = new Set((await scrape()).map((s) => s.name));
    expect(names).toContain('process_cpu_time_seconds_total');
    expect(names).toContain('process_start_time_seconds');
  });
});
