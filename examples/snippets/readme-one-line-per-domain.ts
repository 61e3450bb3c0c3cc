// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { LRUCache } from 'lru-cache';
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();
// What the doc's names stand for in an app: a chat stream, a cache, a database pool, a payment call, a job.
async function* chatStream() {
  yield { choices: [{ delta: { content: 'Hello' } }] };
}
const stream = chatStream();
const chunks: unknown[] = [];
const use = (chunk: unknown) => void chunks.push(chunk);
const lru = new LRUCache<string, number[]>({ max: 10 });
const key = 'query';
lru.set(key, [0.1, 0.2]);
const pool = { query: async (_sql: string, _params: unknown[]) => ({ rows: [{ id: 7 }], rowCount: 1 }) };
const sql = 'SELECT * FROM orders WHERE id = $1';
const id = 7;
const order = { total: 12 };
const charge = async (o: { total: number }) => ({ paid: o.total });
const work = async () => 'done';

// #region doc
import { metrics, trackDuration } from 'promkit';

metrics.http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.012 }); // what the automatic path does not see
for await (const chunk of metrics.llm.trackStream(stream, { provider: 'openai', requestModel: 'gpt-4o-mini' })) use(chunk);
const vector = await metrics.cache('embeddings').track('get', () => lru.get(key), { hit: (v) => v !== undefined });
const rows = await metrics.db.track({ system: 'postgresql', operation: 'SELECT', collection: 'orders' }, () => pool.query(sql, [id]));
const receipt = await metrics.circuitBreaker('payments').track(() => charge(order));
const runJob = trackDuration(metrics.histogram({ name: 'jobs.duration', description: 'Job run time.', unit: 's', buckets: [0.1, 1, 10, 60] }), work);
// #endregion doc

expect(chunks).toHaveLength(1);
expect(vector).toEqual([0.1, 0.2]);
expect(rows.rowCount).toBe(1);
expect(receipt).toEqual({ paid: 12 });
expect(await runJob()).toBe('done');
const text = await handle.scrape();
expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/users\/:id"[^}]*\} 1$/m);
expect(text).toMatch(/^gen_ai_client_operation_duration_seconds_count\{[^}]*gen_ai_request_model="gpt-4o-mini"[^}]*\} 1$/m);
expect(text).toContain('cache_hits_total{cache_name="embeddings",cache_operation="get"} 1\n');
expect(text).toMatch(/^db_client_operation_duration_seconds_count\{[^}]*db_collection_name="orders"[^}]*\} 1$/m);
expect(text).toMatch(/^circuit_breaker_call_duration_seconds_count\{circuit_breaker_name="payments",circuit_breaker_outcome="success"\} 1$/m);
expect(text).toContain('jobs_duration_seconds_count 1\n');
await handle.shutdown();
