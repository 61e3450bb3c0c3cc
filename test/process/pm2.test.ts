/**
 * PM2 cluster mode, with PM2 installed from npm (cached under the OS temporary directory) and a
 * daemon of the test's own (`PM2_HOME`): the preload honours the app's environment from the
 * ecosystem file, and every instance serves its own scrape port (the configured port plus
 * `NODE_APP_INSTANCE`), so each is one scrape target and the requests add up exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { startPm2, type Pm2 } from '../helpers/pm2.js';
import { freePort } from '../helpers/prometheus-server.js';

let pm2: Pm2 | undefined;
let home = '';
let appPort = 0;
let scrapePort = 0;
let refusedPort = 0;
let incrementedAppPort = 0;
let incrementedPort = 0;

async function scrape(port: number): Promise<Sample[] | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    return response.ok ? parsePrometheusText(await response.text()).samples : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  pm2 = await startPm2();
  home = pm2.home;
  appPort = await freePort();
  scrapePort = await freePort();
  refusedPort = await freePort();
  incrementedAppPort = await freePort();
  incrementedPort = await freePort();
  await pm2.start(
    `module.exports = { apps: [{
      name: 'pm2-app', script: ${JSON.stringify(join(ROOT, 'test/fixtures/pm2-app.cjs'))}, cwd: ${JSON.stringify(ROOT)},
      exec_mode: 'cluster', instances: 2, node_args: ['--import', ${JSON.stringify(join(ROOT, 'register.js'))}],
      env: { APP_PORT: '${appPort}', OTEL_SERVICE_NAME: 'pm2-app', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '${scrapePort}' },
    }, {
      name: 'pm2-refused', script: ${JSON.stringify(join(ROOT, 'test/fixtures/pm2-app.cjs'))}, cwd: ${JSON.stringify(ROOT)},
      exec_mode: 'cluster', instances: 1, node_args: ['--import', ${JSON.stringify(join(ROOT, 'register.js'))}],
      env: { APP_PORT: '${refusedPort}', PROMKIT_CLUSTER: 'true', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
    }, {
      name: 'pm2-incremented', script: ${JSON.stringify(join(ROOT, 'test/fixtures/pm2-app.cjs'))}, cwd: ${JSON.stringify(ROOT)},
      exec_mode: 'cluster', instances: 2, increment_var: 'OTEL_EXPORTER_PROMETHEUS_PORT', node_args: ['--import', ${JSON.stringify(join(ROOT, 'register.js'))}],
      env: { APP_PORT: '${incrementedAppPort}', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '${incrementedPort}' },
    }] };\n`,
  );
  const deadline = Date.now() + 30_000;
  while ((!(await scrape(scrapePort)) || !(await scrape(scrapePort + 1))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}, 240_000);

afterAll(async () => {
  await pm2?.kill();
}, 60_000);

/** The preload runs before PM2's wrapper points stderr at the app's log: its lines are in PM2's own log, which `pm2 logs` shows too (`PM2 | promkit: ...`). */
const pm2Log = () => readFileSync(join(home, 'pm2.log'), 'utf8');

const requestCount = (samples: Sample[]) =>
  samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').reduce((total, s) => total + s.value, 0);

describe('PM2 cluster mode with 2 instances', () => {
  it('serves one scrape target per instance on port + NODE_APP_INSTANCE, under the service name from the ecosystem file', async () => {
    const targets = await Promise.all([scrape(scrapePort), scrape(scrapePort + 1)]);
    const infos = targets.map((samples) => samples?.find((s) => s.name === 'target_info')?.labels);
    expect(infos.map((info) => info?.['service_name'])).toEqual(['pm2-app', 'pm2-app']);
    const ids = infos.map((info) => info?.['service_instance_id']);
    expect(new Set(ids).size).toBe(2);
    // The same port answers for the same instance every time: no alternating between instances.
    for (let i = 0; i < 6; i++) {
      expect((await scrape(scrapePort))?.find((s) => s.name === 'target_info')?.labels['service_instance_id']).toBe(ids[0]);
    }
  });

  it('counts 100 requests, load-balanced by PM2, as exactly 100 over the two targets', async () => {
    const before = (await Promise.all([scrape(scrapePort), scrape(scrapePort + 1)])).map((samples) => requestCount(samples ?? []));
    for (let i = 0; i < 100; i++) await (await fetch(`http://127.0.0.1:${appPort}/`)).text();
    const after = (await Promise.all([scrape(scrapePort), scrape(scrapePort + 1)])).map((samples) => requestCount(samples ?? []));
    expect(after[0]! + after[1]! - before[0]! - before[1]!).toBe(100);
    // Both instances took some of the load.
    expect(after[0]! - before[0]!).toBeGreaterThan(0);
    expect(after[1]! - before[1]!).toBeGreaterThan(0);
  });

  it('refuses PROMKIT_CLUSTER=true with one line saying what to do instead, and the app serves on', async () => {
    const log = () => pm2Log();
    const deadline = Date.now() + 20_000;
    while (!log().includes('promkit:') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log()).toMatch(/^promkit: metrics not started: PROMKIT_CLUSTER: under PM2 cluster mode .*unset PROMKIT_CLUSTER .*$/m);
    const lines = log().split('\n').filter((line) => line.startsWith('promkit:'));
    expect(lines.filter((line) => line.includes('not started'))).toHaveLength(1);
    // The two instances of the other app each announce their own plan.
    const urls = lines.filter((line) => line.includes('(pm2-instance; no push;')).map((line) => /serving metrics at (\S+)/.exec(line)?.[1]);
    expect(urls.filter((url) => url?.startsWith(`http://127.0.0.1:${scrapePort}/`) || url?.startsWith(`http://127.0.0.1:${scrapePort + 1}/`)).sort()).toEqual([
      `http://127.0.0.1:${scrapePort}/metrics`,
      `http://127.0.0.1:${scrapePort + 1}/metrics`,
    ]);
    expect(await (await fetch(`http://127.0.0.1:${refusedPort}/`)).text()).toBe('ok\n');
  });

  it('an ecosystem file that has PM2 increment the port itself (increment_var) gets no second offset', async () => {
    const served = async () => {
      const ports = [incrementedPort, incrementedPort + 1, incrementedPort + 2];
      return (await Promise.all(ports.map(async (port) => ((await scrape(port)) === undefined ? undefined : port)))).filter((port) => port !== undefined);
    };
    await expect.poll(served, { timeout: 20_000 }).toEqual([incrementedPort, incrementedPort + 1]);
  });
});
