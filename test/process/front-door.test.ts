// README "Start" and "Try it from a clone", as far as they are not run elsewhere: the Node
// requirement is the one package.json and the preload enforce, and `npm run example` starts the
// hello app with the preload and records its requests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { hit, ROOT } from '../helpers/app-process.js';
import { docBlocks } from '../helpers/doc-blocks.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const startSection = README.slice(README.indexOf('## Start'), README.indexOf('## Try it from a clone'));

describe('README: Start', () => {
  test('names the Node requirement that package.json and the preload enforce', () => {
    expect(manifest.engines.node).toBe('>=22.15.0');
    expect(startSection).toContain('promkit needs **Node.js 22.15 or newer**');
    expect(readFileSync(join(ROOT, 'register.js'), 'utf8')).toContain('(major === 22 && minor >= 15)');
  });

  test('installs from a tarball made by npm pack, as test/process/package-shape.test.ts does, not from the registry', () => {
    const [install] = docBlocks(ROOT, ['README.md']).filter((block) => block.language === 'sh');
    expect(install!.code.split('\n').map((line) => line.replace(/\s+#.*$/, ''))).toEqual([
      'git clone https://github.com/promkit/promkit.git && cd promkit',
      'npm install && npm pack',
      'cd ../your-app && npm install ../promkit/promkit-*.tgz',
      'node --import promkit/register app.js',
      'curl localhost:9464/metrics',
    ]);
    expect(startSection).toContain('`npm install promkit` answers 404');
  });
});

describe('README: Try it from a clone', () => {
  test('npm run example: the hello app under the preload records its requests by route', async () => {
    // The script builds first; the build is done already, so run what follows it.
    const [build, run] = manifest.scripts['example']!.split(' && ');
    expect(build).toBe('npm run build --silent');
    expect(run).toBe('node --import ./register.js examples/hello/server.mjs');
    const child = spawn(process.execPath, run!.split(' ').slice(1), {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stops.push(() => child.kill('SIGTERM'));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const appPort = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /hello app on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    // The preload printed its line before the app ran; the two pipes may still deliver out of order.
    for (let i = 0; i < 100 && !stderr.includes('serving metrics at'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const scrapeUrl = /serving metrics at (\S+)/.exec(stderr)?.[1];
    expect(scrapeUrl).toMatch(/^http:\/\/localhost:\d+\/metrics$/);
    expect(await hit(appPort, '/', 2)).toEqual([200, 200]);
    const text = await (await fetch(scrapeUrl!)).text();
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/"[^}]*\} 2$/m);
  });
});
