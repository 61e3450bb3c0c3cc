import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type * as Pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DB_CLIENT_OPERATION_DURATION } from '../../src/catalogue/db.js';
import { resolveConfig } from '../../src/config.js';
import { start } from '../../src/start.js';
import { ROOT, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';

// Started once for the file. Each test that needs it awaits it, so when PostgreSQL cannot be
// started every one of them fails with the reason (none is skipped).
let starting: Promise<PostgresServer>;
beforeAll(() => {
  starting = startPostgres();
  starting.catch(() => undefined);
});
afterAll(async () => (await starting.catch(() => undefined))?.stop());

const running: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

const DURATION_COUNT = 'db_client_operation_duration_seconds_count';

/** `[operation, error_type or '', count]` per `db.client.operation.duration` series, sorted. */
function operationCounts(samples: Sample[]): [string, string, number][] {
  return samples
    .filter((s) => s.name === DURATION_COUNT)
    .map((s): [string, string, number] => [s.labels['db_operation_name'] ?? '', s.labels['error_type'] ?? '', s.value])
    .sort((a, b) => `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`));
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text()).samples;
}

describe.each([
  ['CommonJS', 'test/fixtures/pg-app.cjs', 'items_cjs'],
  ['ESM', 'test/fixtures/pg-app.mjs', 'items_esm'],
])('PROMKIT_INSTRUMENTATIONS=pg in the preload, %s app on a real PostgreSQL', (_kind, script, table) => {
  test('records every query once in db.client.operation.duration with the catalogue buckets and labels, and the pool metrics', async () => {
    const server = await starting;
    const app = await startApp(script, { ...server.env, PG_TABLE: table, PROMKIT_INSTRUMENTATIONS: 'pg' });
    running.push(app);
    expect(app.stderr()).not.toContain('not instrumented');
    const response = await fetch(`http://127.0.0.1:${app.appPort}/run`);
    expect(response.status).toBe(200);
    const ran = (await response.json()) as { poolError: string; clientError: string; poolTotal: number; poolIdle: number };
    expect(ran).toEqual({ poolError: '42P01', clientError: '42P01', poolTotal: 1, poolIdle: 1 });

    const samples = await scrape(app.scrapeUrl!);
    // The workload: CREATE 1, INSERT 3, SELECT 2 + 1 on the pool, DELETE 1 (callback style),
    // SELECT 1 + 1 on a plain Client with promises. instrumentation-pg 0.77 sets error.type (the
    // SQLSTATE) only on callback-style queries (pool.query uses a callback inside); a failed
    // promise-style Client.query is recorded without it, among the successful SELECTs.
    expect(operationCounts(samples)).toEqual([
      ['CREATE', '', 1],
      ['DELETE', '', 1],
      ['INSERT', '', 3],
      ['SELECT', '', 4],
      ['SELECT', '42P01', 1],
    ]);
    for (const sample of samples.filter((s) => s.name === DURATION_COUNT)) {
      // server.address and server.port, which instrumentation-pg also records, are not in the
      // catalogue's allow-list and are dropped by its view.
      expect(Object.keys(sample.labels).sort()).toEqual(
        ['db_namespace', 'db_operation_name', 'db_system_name', ...(sample.labels['error_type'] ? ['error_type'] : [])].sort(),
      );
      expect(sample.labels).toMatchObject({ db_system_name: 'postgresql', db_namespace: 'postgres' });
    }
    const insertBuckets = samples.filter((s) => s.name === 'db_client_operation_duration_seconds_bucket' && s.labels['db_operation_name'] === 'INSERT');
    expect(insertBuckets.map((s) => s.labels['le'])).toEqual([...DB_CLIENT_OPERATION_DURATION.boundaries!.map(String), '+Inf']);
    expect(insertBuckets.at(-1)!.value).toBe(3);

    const pool = { db_client_connection_pool_name: `127.0.0.1:${server.port}/postgres` };
    const gauge = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries({ ...pool, ...labels }).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    expect(gauge('db_client_connection_max')).toEqual([2]);
    expect(gauge('db_client_connection_pending_requests')).toEqual([0]);
    // One connection in all, as the pool reports (poolTotal above). instrumentation-pg 0.77 reads
    // the idle count on pg-pool's `release` event, which fires before the connection is back in
    // the idle list, so the last released connection still shows as used.
    expect(gauge('db_client_connection_count', { db_client_connection_state: 'used' })).toEqual([1]);
    expect(gauge('db_client_connection_count', { db_client_connection_state: 'idle' })).toEqual([0]);
  });
});

describe('start({ instrumentations })', () => {
  test('registers a PgInstrumentation instance on promkit provider, with bucket overrides applied to its histogram', async () => {
    const server = await starting;
    const handle = await start({
      host: '127.0.0.1',
      port: 0,
      runtimeMetrics: false,
      instrumentHttp: false,
      instrumentFetch: false,
      instrumentations: [new PgInstrumentation()],
      buckets: { 'db.client.operation.duration': [0.25, 2] },
    });
    try {
      // Loaded after start, through Node's require, as a CommonJS app would load it.
      const pg = createRequire(import.meta.url)('pg') as typeof Pg;
      const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });
      await client.connect();
      await client.query('SELECT 1');
      await client.query('SELECT 2');
      await new Promise<void>((resolve) => client.query('SELECT * FROM no_such_table', () => resolve()));
      await client.end();

      const { samples } = parsePrometheusText(await handle.scrape());
      expect(operationCounts(samples)).toEqual([
        ['SELECT', '', 2],
        ['SELECT', '42P01', 1],
      ]);
      const buckets = samples.filter((s) => s.name === 'db_client_operation_duration_seconds_bucket' && s.labels['error_type'] === undefined);
      expect(buckets.map((s) => s.labels['le'])).toEqual(['0.25', '2', '+Inf']);
    } finally {
      await handle.shutdown();
    }
  });

  test('refuses something that is not an instrumentation instance', async () => {
    await expect(start({ port: 0, instrumentations: [PgInstrumentation as never] })).rejects.toThrow(
      'instrumentations: item 0 is not an OpenTelemetry instrumentation instance',
    );
  });
});

describe('PROMKIT_INSTRUMENTATIONS', () => {
  test('parses a comma-separated list of known names and refuses an unknown one, naming the known ones', () => {
    expect(resolveConfig({}, { PROMKIT_INSTRUMENTATIONS: ' pg, pg ' }).namedInstrumentations).toEqual(['pg']);
    expect(resolveConfig({}, {}).namedInstrumentations).toEqual([]);
    expect(() => resolveConfig({}, { PROMKIT_INSTRUMENTATIONS: 'pg,mysql' })).toThrow(
      'PROMKIT_INSTRUMENTATIONS: "mysql" is not a known instrumentation; use a comma-separated list of "pg"',
    );
  });

  test('prints one line and serves metrics anyway when the app has no @opentelemetry/instrumentation-pg', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'promkit-no-pg-'));
    try {
      const result = spawnSync(process.execPath, ['--import', join(ROOT, 'register.js'), '-e', 'setTimeout(() => {}, 50)'], {
        cwd,
        env: { ...process.env, PROMKIT_INSTRUMENTATIONS: 'pg', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).toBe(0);
      const lines = result.stderr.split('\n').filter((line) => line.includes('instrumentation-pg'));
      expect(lines).toEqual([
        `promkit: "pg" is not instrumented: @opentelemetry/instrumentation-pg is not installed in ${cwd} (npm install @opentelemetry/instrumentation-pg)`,
      ]);
      expect(result.stderr).toMatch(/promkit: serving metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
