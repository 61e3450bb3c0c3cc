/**
 * PM2 for tests: installed from npm once per machine into the OS temporary directory (reruns reuse
 * it), run with a `PM2_HOME` of the test's own so its daemon is the test's to kill.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PM2_DIR = join(tmpdir(), 'promkit-pm2');
const PM2_BIN = join(PM2_DIR, 'node_modules', 'pm2', 'bin', 'pm2');

export interface Pm2 {
  /** The daemon's home: its logs (`pm2.log`) and sockets. */
  readonly home: string;
  /** Starts the apps of an ecosystem file written from `source` (CommonJS text). */
  start(source: string): Promise<void>;
  /** Stops every app (SIGINT, as `pm2 stop` does), then the daemon, and removes the home. */
  kill(): Promise<void>;
}

export async function startPm2(): Promise<Pm2> {
  if (!existsSync(PM2_BIN)) {
    mkdirSync(PM2_DIR, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PM2_DIR, 'pm2@6'], { stdio: 'ignore', timeout: 170_000 });
  }
  const home = mkdtempSync(join(tmpdir(), 'promkit-pm2-home-'));
  const pm2 = (...args: string[]) => run(process.execPath, [PM2_BIN, ...args], { env: { ...process.env, PM2_HOME: home }, timeout: 60_000 });
  return {
    home,
    async start(source) {
      // PM2 recognises an ecosystem file by its name.
      const file = join(home, 'ecosystem.config.cjs');
      writeFileSync(file, source);
      await pm2('start', file);
    },
    async kill() {
      await pm2('stop', 'all').catch(() => undefined);
      await pm2('kill').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
