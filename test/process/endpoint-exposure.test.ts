/**
 * Auth never fails open: a credential that is set but blank is a start-up error, and serving
 * beyond loopback without auth says so once.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { isLoopback, start, type PromkitHandle } from '../../src/start.js';
import { setWarningWriter } from '../../src/warnings.js';
import { startApp, type AppProcess } from '../helpers/app-process.js';

let handle: PromkitHandle | undefined;
let app: AppProcess | undefined;
const restores: Array<() => void> = [];
afterEach(async () => {
  for (const restore of restores.splice(0)) restore();
  await handle?.shutdown();
  handle = undefined;
  await app?.stop();
  app = undefined;
});

const TOKEN_ERROR = new ConfigError(
  'PROMKIT_METRICS_TOKEN',
  'the token is blank or contains whitespace; set a non-empty token without spaces, or unset the variable to serve without auth',
);
const BASIC_ERROR = new ConfigError(
  'PROMKIT_METRICS_BASIC_AUTH',
  'expected "user:password" with a non-empty user and password (or unset the variable to serve without auth)',
);

describe('blank credentials', () => {
  test('an empty or whitespace PROMKIT_METRICS_TOKEN is a ConfigError, not "no auth"', () => {
    for (const token of ['', ' ', '\t\n']) expect(() => resolveConfig({}, { PROMKIT_METRICS_TOKEN: token })).toThrow(TOKEN_ERROR);
    expect(() => resolveConfig({ authToken: '  ' }, {})).toThrow(TOKEN_ERROR);
  });

  test('an empty basic-auth value, or one with a blank user or password, is a ConfigError', () => {
    for (const basic of ['', ' ', ':', 'user:', ':pass', ' :pass', 'user: ']) {
      expect(() => resolveConfig({}, { PROMKIT_METRICS_BASIC_AUTH: basic })).toThrow(BASIC_ERROR);
    }
    expect(resolveConfig({}, {}).auth).toEqual({ kind: 'none' });
  });

  test('the preload prints one line and the app runs on without metrics', async () => {
    app = await startApp('test/fixtures/app.mjs', { PROMKIT_METRICS_TOKEN: '' });
    expect(app.scrapeUrl).toBeUndefined();
    expect(app.stderr()).toBe(`promkit: metrics not started: ${TOKEN_ERROR.message}\n`);
    expect((await fetch(`http://127.0.0.1:${app.appPort}/`)).status).toBe(200);
  });
});

describe('binding beyond loopback without auth', () => {
  const LOCAL = { port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

  function captureWarnings(): string[] {
    const lines: string[] = [];
    restores.push(setWarningWriter((line) => lines.push(line)));
    return lines;
  }

  test('prints one promkit: warning line', async () => {
    const lines = captureWarnings();
    handle = await start({ ...LOCAL, host: '0.0.0.0', quiet: false });
    expect(lines).toEqual([
      `promkit: serving metrics on 0.0.0.0 without authentication: anyone who can reach port ${handle.port} can read them; ` +
        'set PROMKIT_METRICS_TOKEN (or PROMKIT_METRICS_BASIC_AUTH), or bind 127.0.0.1\n',
    ]);
  });

  test('is silent on loopback, with auth, and with quiet', async () => {
    const lines = captureWarnings();
    handle = await start({ ...LOCAL, host: '127.0.0.1', quiet: false });
    await handle.shutdown();
    handle = await start({ ...LOCAL, host: '0.0.0.0', authToken: 'secret', quiet: false });
    await handle.shutdown();
    handle = await start({ ...LOCAL, host: '0.0.0.0', quiet: true });
    expect(lines).toEqual([]);
  });

  test('loopback means 127/8, ::1 and IPv4-mapped 127/8', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.5', '::ffff:10.0.0.5', 'fe80::1', undefined].map(isLoopback)).toEqual([false, false, false, false, false, false]);
  });
});
