import OpenAI, { APIConnectionTimeoutError, RateLimitError } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: the demo's local OpenAI-compatible server is plain JavaScript without types.
import { MODELS, promptTokensOf, startLlmServer } from '../../../examples/demo/llm-server.mjs';
import { instrumentOpenAI } from '../../../instrumentation/openai.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

interface LlmServer {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

const MINI_CHUNKS = (MODELS as Record<string, { chunks: number }>)['demo-mini']!.chunks; // 6
const MESSAGES = [{ role: 'user' as const, content: 'Why measure?' }];
const INPUT = 'Why measure?';
const REQUEST_S = 0.25;

let t: TestMetrics;
let server: LlmServer;
let client: OpenAI;

async function setUp(options: { rateLimitEvery?: number; timeout?: number } = {}) {
  server = (await startLlmServer({ rateLimitEvery: options.rateLimitEvery ?? 0 })) as LlmServer;
  // No retries: a 429 must reach the caller (and the metrics) exactly once. Each request moves
  // the manual clock by REQUEST_S when it goes out, so durations are exact and prove that timing
  // starts at the `create` call, before the request.
  client = new OpenAI({
    apiKey: 'test-key',
    baseURL: server.url,
    maxRetries: 0,
    fetch: (url, init) => {
      t.clock.advance(REQUEST_S);
      return fetch(url, init);
    },
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  });
  instrumentOpenAI(client, { provider: 'vllm', metrics: t.metrics });
}

beforeEach(() => {
  t = createTestMetrics();
});
afterEach(async () => {
  await server?.close();
  await t.shutdown();
});

const base = (requestModel = 'demo-mini') => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'vllm',
  'gen_ai.request.model': requestModel,
  'server.address': '127.0.0.1',
});
const ok = (model = 'demo-mini') => ({ ...base(model), 'gen_ai.response.model': model });
const tokens = (type: 'input' | 'output', model = 'demo-mini') => t.getHistogram('gen_ai.client.token.usage', { ...ok(model), 'gen_ai.token.type': type });
const count = async (name: string, labels: Record<string, string>) => (await t.getHistogram(name, labels))?.count;

describe('instrumentOpenAI: chat completions', () => {
  it('records a non-streamed completion: one duration, exact input and output tokens, no chunk timings', async () => {
    await setUp();
    const completion = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES });
    expect(completion.choices[0]!.message.content).toBe('Metrics are how a service tells');
    expect(completion.usage).toMatchObject({ prompt_tokens: promptTokensOf(MESSAGES), completion_tokens: MINI_CHUNKS });

    expect(await t.getHistogram('gen_ai.client.operation.duration', ok())).toMatchObject({ count: 1, sum: REQUEST_S });
    expect(await tokens('input')).toMatchObject({ count: 1, sum: promptTokensOf(MESSAGES) });
    expect(await tokens('output')).toMatchObject({ count: 1, sum: MINI_CHUNKS });
    expect(await t.getHistogram('gen_ai.client.operation.time_to_first_chunk', ok())).toBeUndefined();
  });

  it('records a stream once it ends: time to first chunk once, time per chunk between content chunks, tokens from the usage chunk', async () => {
    await setUp();
    const stream = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
    let chunks = 0;
    let text = '';
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    // role chunk, 6 content chunks, finish chunk, usage chunk
    expect(chunks).toBe(MINI_CHUNKS + 3);
    expect(text).toBe('Metrics are how a service tells');
    expect(await t.getHistogram('gen_ai.client.operation.duration', ok())).toMatchObject({ count: 1, sum: REQUEST_S });
    expect(await t.getHistogram('gen_ai.client.operation.time_to_first_chunk', ok())).toMatchObject({ count: 1, sum: REQUEST_S });
    expect(await count('gen_ai.client.operation.time_per_output_chunk', ok())).toBe(MINI_CHUNKS - 1);
    expect(await tokens('input')).toMatchObject({ count: 1, sum: promptTokensOf(MESSAGES) });
    expect(await tokens('output')).toMatchObject({ count: 1, sum: MINI_CHUNKS });
  });

  it('reports no tokens for a stream asked without include_usage (the request is never changed)', async () => {
    await setUp();
    const stream = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES, stream: true });
    let chunks = 0;
    for await (const _chunk of stream) chunks += 1;
    expect(chunks).toBe(MINI_CHUNKS + 2);
    expect(await count('gen_ai.client.operation.duration', ok())).toBe(1);
    expect(await tokens('output')).toBeUndefined();
  });

  it('keeps .withResponse(), tee() and .asResponse() working, recording each parsed call once', async () => {
    await setUp();
    const { data, response } = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES }).withResponse();
    expect(response.status).toBe(200);
    expect(data.object).toBe('chat.completion');

    const stream = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES, stream: true });
    const [left, right] = stream.tee();
    const read = async (s: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _chunk of s) n += 1;
      return n;
    };
    expect(await Promise.all([read(left), read(right)])).toEqual([MINI_CHUNKS + 2, MINI_CHUNKS + 2]);
    expect(await count('gen_ai.client.operation.duration', ok())).toBe(2);
    expect(await count('gen_ai.client.operation.time_to_first_chunk', ok())).toBe(1);

    // .asResponse() hands over the raw body unread: the adapter does not parse it (and so records nothing).
    const raw = await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES }).asResponse();
    expect(((await raw.json()) as { object: string }).object).toBe('chat.completion');
    expect(await count('gen_ai.client.operation.duration', ok())).toBe(2);
  });

  it('counts a 429 as error.type RateLimitError, streamed or not, and rethrows the SDK error', async () => {
    await setUp({ rateLimitEvery: 1 });
    await expect(client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES })).rejects.toBeInstanceOf(RateLimitError);
    await expect(client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES, stream: true })).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests()).toBe(2);
    expect(await t.getHistogram('gen_ai.client.operation.duration', { ...base(), 'error.type': 'RateLimitError' })).toMatchObject({ count: 2, sum: 2 * REQUEST_S });
    expect(await count('gen_ai.client.operation.duration', ok())).toBeUndefined();
    expect(await tokens('input')).toBeUndefined();
  });

  it('counts a client timeout as error.type APIConnectionTimeoutError', async () => {
    // demo-large answers after at least 450 ms; the client gives up after 10 ms.
    await setUp({ timeout: 10 });
    await expect(client.chat.completions.create({ model: 'demo-large', messages: MESSAGES })).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(await count('gen_ai.client.operation.duration', { ...base('demo-large'), 'error.type': 'APIConnectionTimeoutError' })).toBe(1);
  });
});

describe('instrumentOpenAI: responses', () => {
  it('records a non-streamed response with its input and output tokens', async () => {
    await setUp();
    const response = await client.responses.create({ model: 'demo-mini', input: INPUT });
    expect(response.output_text).toBe('Metrics are how a service tells');
    expect(await count('gen_ai.client.operation.duration', ok())).toBe(1);
    expect(await tokens('input')).toMatchObject({ count: 1, sum: promptTokensOf(INPUT) });
    expect(await tokens('output')).toMatchObject({ count: 1, sum: MINI_CHUNKS });
  });

  it('records a streamed response: chunk timings from the text deltas, tokens from response.completed', async () => {
    await setUp();
    const stream = await client.responses.create({ model: 'demo-mini', input: INPUT, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      'response.created',
      ...Array<string>(MINI_CHUNKS).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.completed',
    ]);
    expect(await count('gen_ai.client.operation.duration', ok())).toBe(1);
    expect(await count('gen_ai.client.operation.time_to_first_chunk', ok())).toBe(1);
    expect(await count('gen_ai.client.operation.time_per_output_chunk', ok())).toBe(MINI_CHUNKS - 1);
    expect(await tokens('input')).toMatchObject({ count: 1, sum: promptTokensOf(INPUT) });
    expect(await tokens('output')).toMatchObject({ count: 1, sum: MINI_CHUNKS });
  });

  it('counts a refused streamed response as RateLimitError', async () => {
    await setUp({ rateLimitEvery: 1 });
    await expect(client.responses.create({ model: 'demo-mini', input: INPUT, stream: true })).rejects.toBeInstanceOf(RateLimitError);
    expect(await count('gen_ai.client.operation.duration', { ...base(), 'error.type': 'RateLimitError' })).toBe(1);
  });
});

describe('instrumentOpenAI: restore', () => {
  it('puts the original create methods back; later calls record nothing', async () => {
    await setUp();
    client = new OpenAI({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
    const create = client.chat.completions.create;
    const restore = instrumentOpenAI(client, { metrics: t.metrics });
    expect(client.chat.completions.create).not.toBe(create);
    restore();
    restore();
    expect(client.chat.completions.create).toBe(create);
    await client.chat.completions.create({ model: 'demo-mini', messages: MESSAGES });
    expect(await t.getHistogram('gen_ai.client.operation.duration')).toBeUndefined();
  });
});
