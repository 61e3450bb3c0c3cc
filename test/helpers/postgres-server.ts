/**
 * A real PostgreSQL server for tests: Debian's `postgresql` binaries (`initdb`, `pg_ctl`) on
 * 127.0.0.1 and a free port, with its data directory and unix socket in a fresh temporary
 * directory, trust authentication for the `postgres` user. PostgreSQL refuses to run as root,
 * so when the tests run as root the server runs as the `postgres` system user.
 *
 * Starting throws with a message that says what is missing: a test that needs the server fails
 * rather than skipping silently.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prometheus-server.js';

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'postgres';
  readonly database: 'postgres';
  /** The `PG*` variables `pg` reads its connection settings from. */
  readonly env: Readonly<Record<string, string>>;
  /** `pg_ctl stop -m fast`, then removes the directory. Idempotent. */
  stop(): void;
}

/** The directory with `initdb` and `pg_ctl`: `PG_BIN`, else the newest /usr/lib/postgresql/<n>/bin. */
function binDir(): string {
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/<version>/bin); install Debian\'s "postgresql" package or set PG_BIN to the directory holding initdb and pg_ctl',
  );
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'promkit-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const user = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (user.status !== 0) throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as (it refuses to run as root)');
    chownSync(dir, Number(user.stdout.trim()), Number(group.stdout.trim()));
  }
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000 });
  };
  const fail = (what: string, result: ReturnType<typeof run>): never => {
    const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL ${what} failed (status ${result.status}): ${result.error?.message ?? ''}\n${result.stdout}${result.stderr}${log}`);
  };

  const init = run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  if (init.status !== 0) fail('initdb', init);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const started = run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  if (started.status !== 0) fail(`start on port ${port}`, started);

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' },
    stop() {
      if (stopped) return;
      stopped = true;
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
