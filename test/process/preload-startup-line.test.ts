// What the preload says at start-up: where the metrics are and who can reach them, and on a Node
// older than promkit supports, one line saying so while the app runs on without metrics.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT, startApp, type AppProcess } from '../helpers/app-process.js';

const running: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function launch(env: Record<string, string>): Promise<AppProcess> {
  const app = await startApp('test/fixtures/app.mjs', env);
  running.push(app);
  return app;
}

/** The promkit lines the app printed on stderr. */
function promkitLines(app: AppProcess): string[] {
  return app.stderr().split('\n').filter((line) => line.startsWith('promkit:'));
}

/**
 * Another address of this machine than loopback: the first non-internal IPv4 address, as a
 * scraper in another container or host would connect to; 127.0.0.2 when the machine has none.
 */
function otherAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
  return external?.address ?? '127.0.0.2';
}

describe('the start-up line', () => {
  test('says the port is bound to localhost and names the variable for containers and the token option', async () => {
    const app = await launch({ OTEL_EXPORTER_PROMETHEUS_HOST: 'localhost' });
    const lines = promkitLines(app);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^promkit: serving metrics at http:\/\/localhost:\d+\/metrics \(standalone; no push; service\.instance\.id=[0-9a-f-]{36}; bound to localhost: only this machine can scrape it; for a container or pod set OTEL_EXPORTER_PROMETHEUS_HOST=0\.0\.0\.0, with PROMKIT_METRICS_TOKEN to require a bearer token\)$/,
    );
  });

  test('bound to 0.0.0.0 with a token: says so, and a scrape from another address gets 401 without the token and 200 with it', async () => {
    const app = await launch({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', PROMKIT_METRICS_TOKEN: 's3cret-token' });
    expect(promkitLines(app)).toEqual([expect.stringMatching(/^promkit: serving metrics at http:\/\/0\.0\.0\.0:\d+\/metrics \(standalone; no push; service\.instance\.id=[0-9a-f-]{36}; bound to 0\.0\.0\.0; every request needs the token or basic auth\)$/)]);
    const port = new URL(app.scrapeUrl!).port;
    const url = `http://${otherAddress()}:${port}/metrics`;
    expect(new URL(url).hostname).not.toBe('127.0.0.1');
    const anonymous = await fetch(url);
    await anonymous.text();
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    await wrong.text();
    expect(wrong.status).toBe(401);
    const scraped = await fetch(url, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE target_info gauge');
  });

  test('bound to 0.0.0.0 without credentials: says so, and the warning follows', async () => {
    const app = await launch({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' });
    const lines = promkitLines(app);
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/^promkit: serving metrics at http:\/\/0\.0\.0\.0:\d+\/metrics \(standalone; no push; service\.instance\.id=[0-9a-f-]{36}; bound to 0\.0\.0\.0, without authentication\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^promkit: serving metrics on 0\.0\.0\.0 without authentication: anyone who can reach port \d+ can read them; /));
  });
});

/** Node binaries on this machine older than 22.15 (the default `node` of the CI machine is Node 20). */
function oldNodes(): string[] {
  const found = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n').filter((path) => path !== '' && existsSync(path));
  return [...new Set(found)].filter((path) => {
    const version = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = version.split('.').map(Number);
    return major < 22 || (major === 22 && minor < 15);
  });
}

const UNSUPPORTED = /^promkit: metrics not started: Node (\d+\.\d+\.\d+) is older than promkit supports \(22\.15 or newer\); the app runs without metrics$/;

describe('the preload on a Node older than 22.15', () => {
  test('prints one line and the app runs without metrics (Node 20 on this machine)', () => {
    const nodes = oldNodes();
    // The CI machine's default node is Node 20; this test needs one such binary on the PATH.
    expect(nodes.length, 'no Node older than 22.15 on the PATH').toBeGreaterThan(0);
    const result = spawnSync(nodes[0]!, ['--import', './register.js', '-e', "console.log('app ran')"], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('app ran\n');
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(UNSUPPORTED);
  });

  test('the same when the version check sees an older Node on this Node (20.18.0, 22.14.0)', () => {
    for (const version of ['20.18.0', '22.14.0']) {
      const pretend = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`;
      const result = spawnSync(process.execPath, ['--import', pretend, '--import', './register.js', '-e', "console.log('app ran')"], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
        timeout: 20_000,
      });
      expect(result.stdout).toBe('app ran\n');
      expect(result.stderr).toBe(
        `promkit: metrics not started: Node ${version} is older than promkit supports (22.15 or newer); the app runs without metrics\n`,
      );
    }
  });
});
