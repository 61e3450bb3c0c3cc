/**
 * What `--import promkit/register` loads into a process that serves nothing else: the preload
 * must not pull in Node subsystems it does not use at start-up. An ES import of `node:http`
 * loads undici through the module's lazy `WebSocket` getter (about 30 ms of CPU on Node 22),
 * gzip is needed only for a compressed response, and the package entry points are the bundle.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

/** Node's own record of the built-in modules loaded, read once the scrape port is bound. */
function builtinsLoadedBy(preload: string): { modules: string[]; stderr: string } {
  const report = "setTimeout(() => console.log(JSON.stringify(process.moduleLoadList)), 300)";
  const result = spawnSync(process.execPath, ['--import', preload, '-e', report], {
    cwd: ROOT,
    env: { ...process.env, PROMKIT_QUIET: 'true', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return { modules: JSON.parse(result.stdout) as string[], stderr: result.stderr };
}

describe('start-up footprint of the preload', () => {
  test('binds the scrape port without loading undici, http2 or zlib', () => {
    const { modules } = builtinsLoadedBy('./register.js');
    // The preload did start: the HTTP server it listens with is there.
    expect(modules).toContain('NativeModule _http_server');
    expect(modules.filter((name) => /undici|^NativeModule (http2|zlib)$/.test(name))).toEqual([]);
  });

  test('loads promkit from the bundle, not from the per-file build', () => {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('promkit'), import.meta.resolve('promkit/testing'))"],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    const [index, testing] = result.stdout.trim().split(' ');
    expect(index).toMatch(/\/dist\/bundle\/index\.js$/);
    expect(testing).toMatch(/\/dist\/bundle\/testing\.js$/);
  });
});
