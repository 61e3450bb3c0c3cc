// docs/domains.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { metrics, start } from 'promkit';

const handle = await start();
// A node-postgres-like client and what an app knows about its pool.
const db = { query: async (_sql: string, _params: unknown[]) => ({ rows: [{ id: 1, name: 'ann' }] }) };
const id = 1;
const idleCount = 4;
const waitedSeconds = 0.003;
const waiting: unknown[] = ['a caller'];

// #region doc
const result = await metrics.db.track(
  { system: 'postgresql', operation: 'SELECT', collection: 'users', namespace: 'postgres' },
  () => db.query('SELECT id, name FROM users WHERE id = $1', [id]),
  { rows: (r) => r.rows.length, statusCode: (error) => (error as { code?: string }).code },
);

const pool = metrics.db.pool('main');       // count, max, pending and timeouts exist at 0 from here
pool.setMax(10);
pool.setIdle(idleCount);                    // absolute values; promkit adds the differences
const release = pool.acquire();             // one more used connection until release(),
release();                                  // which also records the use time
pool.recordWait(waitedSeconds);
pool.setPending(waiting.length);
pool.timeout();                             // a caller gave up waiting
// #endregion doc

expect(result.rows).toEqual([{ id: 1, name: 'ann' }]);
const text = await handle.scrape();
expect(text).toMatch(/^db_client_response_returned_rows_sum\{[^}]*db_collection_name="users"[^}]*\} 1$/m);
expect(text).toContain('db_client_connection_max{db_client_connection_pool_name="main"} 10\n');
expect(text).toContain('db_client_connection_pending_requests{db_client_connection_pool_name="main"} 1\n');
expect(text).toContain('db_client_connection_timeouts_total{db_client_connection_pool_name="main"} 1\n');
await handle.shutdown();
