// docs/facade.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import CircuitBreaker from 'opossum';
import { LRUCache } from 'lru-cache';
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();
// What the doc's names stand for in an app: an OpenAI client, a cache, a database pool, an upstream call, a job.
type Chunk = { choices: { delta?: { content?: string } }[] };
type Message = { role: string; content: string };
function create(request: { model: string; messages: Message[]; stream: true; stream_options: { include_usage: boolean } }): Promise<AsyncIterable<Chunk>>;
function create(request: { model: string; messages: Message[] }): Promise<{ choices: { message: { content: string } }[] }>;
async function create(request: { model: string; messages: Message[]; stream?: true }): Promise<unknown> {
  if (request.stream) return (async function* () { yield { choices: [{ delta: { content: 'Hi' } }] }; })();
  return { choices: [{ message: { content: 'Hi' } }] };
}
const openai = { chat: { completions: { create } } };
const messages: Message[] = [{ role: 'user', content: 'Hi' }];
const lru = new LRUCache<string, number[]>({ max: 10 });
const key = 'query';
const pool = { query: async (_sql: string, _params: unknown[]) => ({ rows: [], rowCount: 2 }) };
const id = 7;
const callUpstream = async () => 'ok';
const work = async (task: string) => `${task} sent`;

// #region doc
import { metrics, trackDuration, startTimer } from 'promkit';

// HTTP, for servers and clients the automatic path does not see (same series, same labels)
metrics.http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.012 });
metrics.http.recordClientRequest({ method: 'POST', serverAddress: 'api.example.com', statusCode: 503, durationS: 1.2 });

// LLM: wrap any AsyncIterable (an OpenAI stream); chunks pass through unchanged while
// time to first chunk, time per chunk, total duration, tokens and error.type are recorded
const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true,
  stream_options: { include_usage: true } });
for await (const chunk of metrics.llm.trackStream(stream, { provider: 'openai', requestModel: 'gpt-4o-mini' })) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
}
const reply = await metrics.llm.track({ provider: 'openai', requestModel: 'gpt-4o-mini' },
  () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }));

// Cache
const embeddings = metrics.cache('embeddings');
const vector = await embeddings.track('get', () => lru.get(key), { hit: (v) => v !== undefined });
embeddings.evict();
embeddings.setEntries(lru.size);

// Database: no parameter accepts query text
const rows = await metrics.db.track({ system: 'postgresql', operation: 'SELECT', collection: 'orders' },
  () => pool.query('SELECT * FROM orders WHERE id = $1', [id]), { rows: (r) => r.rowCount ?? 0 });
const mainPool = metrics.db.pool('main');
mainPool.setUsed(3); mainPool.setIdle(7); mainPool.recordWait(0.002);

// Circuit breaker: by hand, or wire an opossum breaker in one line
import { instrumentOpossum } from 'promkit/opossum';
instrumentOpossum(new CircuitBreaker(callUpstream, { name: 'payments' }), { critical: true }); // open → /metrics/health 503
metrics.circuitBreaker('search').recordCall({ outcome: 'timeout', durationS: 2 });
metrics.circuitBreaker('search').setState('open'); // one-hot: exactly one state series is 1

// Generic instruments: validated at definition, typed labels, get-or-create by name
const orders = metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['channel'] });
orders.add(1, { channel: 'web' });
const web = orders.bind({ channel: 'web' }); // labels checked once; for the hot path
web.add();
const queue = metrics.gauge({ name: 'jobs.queue.depth', description: 'Jobs waiting.', unit: '{job}' });
const latency = metrics.histogram({ name: 'jobs.duration', description: 'Job run time.', unit: 's',
  buckets: 'http_duration', labels: ['task'] });

// Helpers: functions, async functions and promises; return values, `this` and errors preserved
const runJob = trackDuration(latency, async (task) => work(task), { task: 'email' });
const timer = startTimer(latency);
timer.end({ task: 'report' }); // labels known only at the end
// #endregion doc

expect(reply.choices[0]?.message.content).toBe('Hi');
expect(vector).toBeUndefined();
expect(rows.rowCount).toBe(2);
expect(await runJob('email')).toBe('email sent');
queue.set(3);
const text = await handle.scrape();
expect(text).toContain('cache_misses_total{cache_name="embeddings",cache_operation="get"} 1\n');
expect(text).toContain('orders_placed_total{channel="web"} 2\n');
expect(text).toContain('jobs_queue_depth 3\n');
expect(text).toContain('jobs_duration_seconds_count{task="email"} 1\n');
expect(text).toContain('jobs_duration_seconds_count{task="report"} 1\n');
expect(text).toContain('circuit_breaker_state{circuit_breaker_name="search",circuit_breaker_state="open"} 1\n');
expect(text).toContain('circuit_breaker_critical{circuit_breaker_name="payments"} 1\n');
expect(text).toContain('db_client_connection_count{db_client_connection_pool_name="main",db_client_connection_state="used"} 3\n');
await handle.shutdown();
