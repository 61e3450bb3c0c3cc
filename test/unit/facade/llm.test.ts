import { describe, expect, it } from 'vitest';
import { createLlmFacade, defaultUsage, LLM_STREAM_ABORTED, type LlmFacade } from '../../../src/facade/llm/llm.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

const DURATION = 'gen_ai.client.operation.duration';
const TOKENS = 'gen_ai.client.token.usage';
const TTFC = 'gen_ai.client.operation.time_to_first_chunk';
const TPOC = 'gen_ai.client.operation.time_per_output_chunk';

const ATTRS = { provider: 'openai', requestModel: 'gpt-4o', serverAddress: 'api.openai.com' } as const;
const BASE = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'server.address': 'api.openai.com',
};
const WITH_MODEL = { ...BASE, 'gen_ai.response.model': 'gpt-4o-2024-08-06' };

/** Cumulative bucket counts as the snapshot shows them. */
const counts = (h: { buckets: ReadonlyArray<{ count: number }> } | undefined) => h?.buckets.map((b) => b.count);

interface Chunk {
  model?: string;
  choices: { delta: { content?: string } }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

const content = (text: string): Chunk => ({ model: 'gpt-4o-2024-08-06', choices: [{ delta: { content: text } }], usage: null });

let t: TestMetrics;
let llm: LlmFacade;

useTestMetrics((fresh) => {
  t = fresh;
  llm = createLlmFacade(fresh.core);
});

/** A streaming source whose timing is the manual clock, moved inside the generator: no sleeping. */
function source<T>(steps: ReadonlyArray<readonly [advanceS: number, chunk: T]>, state: { closed: boolean }, tailS = 0) {
  return (async function* () {
    try {
      for (const [advance, chunk] of steps) {
        t.clock.advance(advance);
        yield chunk;
      }
      t.clock.advance(tailS);
    } finally {
      state.closed = true;
    }
  })();
}

describe('trackStream', () => {
  it('passes every chunk through as the same object and records TTFT, chunk gaps, duration and usage', async () => {
    const [a, b, c] = [content('Hel'), content('lo'), content('!')];
    const chunks = [a, b, c];
    const usage: Chunk = { model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 12, completion_tokens: 34 } };
    const state = { closed: false };
    const stream = source([[0.5, a], [0.25, b], [0.125, c], [0.0625, usage]], state, 0.0625);

    const seen: Chunk[] = [];
    for await (const chunk of llm.trackStream(stream, ATTRS)) seen.push(chunk);

    expect(seen).toHaveLength(4);
    seen.forEach((chunk, i) => expect(chunk).toBe([...chunks, usage][i]));
    expect(state.closed).toBe(true);

    const ttfc = await t.getHistogram(TTFC, WITH_MODEL);
    expect(ttfc).toMatchObject({ count: 1, sum: 0.5 });
    expect(counts(ttfc)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const gaps = await t.getHistogram(TPOC, WITH_MODEL);
    expect(gaps).toMatchObject({ count: 3, sum: 0.25 + 0.125 + 0.0625 });
    expect(counts(gaps)).toEqual([0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    const duration = await t.getHistogram(DURATION, WITH_MODEL);
    expect(duration).toMatchObject({ count: 1, sum: 1 });
    expect(counts(duration)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);

    const input = await t.getHistogram(TOKENS, { ...WITH_MODEL, 'gen_ai.token.type': 'input' });
    expect(input).toMatchObject({ count: 1, sum: 12 });
    expect(counts(input)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(await t.getHistogram(TOKENS, { ...WITH_MODEL, 'gen_ai.token.type': 'output' })).toMatchObject({ count: 1, sum: 34 });
  });

  it('times chunks only for content chunks when isContentChunk is given', async () => {
    const role: Chunk = { choices: [{ delta: {} }] };
    const stream = source([[0.25, role], [0.25, content('a')], [0.5, content('b')]], { closed: false });
    const tracked = llm.trackStream(stream, ATTRS, { isContentChunk: (c) => c.choices[0]?.delta.content !== undefined });
    for await (const _ of tracked);
    expect(await t.getHistogram(TTFC, WITH_MODEL)).toMatchObject({ count: 1, sum: 0.5 });
    expect(await t.getHistogram(TPOC, WITH_MODEL)).toMatchObject({ count: 1, sum: 0.5 });
  });

  it('records a source error once, by error name, and rethrows the same error', async () => {
    class RateLimitError extends Error {}
    const boom = new RateLimitError('slow down');
    const state = { closed: false };
    const stream = (async function* () {
      try {
        t.clock.advance(0.25);
        yield content('a');
        t.clock.advance(0.5);
        throw boom;
      } finally {
        state.closed = true;
      }
    })();

    const seen: Chunk[] = [];
    await expect(async () => {
      for await (const chunk of llm.trackStream(stream, ATTRS)) seen.push(chunk);
    }).rejects.toBe(boom);
    expect(seen).toHaveLength(1);
    expect(state.closed).toBe(true);
    expect(await t.getHistogram(DURATION, { ...WITH_MODEL, 'error.type': 'RateLimitError' })).toMatchObject({ count: 1, sum: 0.75 });
    expect(await t.getHistogram(DURATION, WITH_MODEL)).toBeUndefined();
    expect(await t.getHistogram(TTFC, WITH_MODEL)).toMatchObject({ count: 1, sum: 0.25 });
  });

  it('on consumer break records error.type=aborted once and closes the source', async () => {
    const state = { closed: false };
    const stream = source([[0.25, content('a')], [0.25, content('b')], [0.25, content('c')]], state);
    const tracked = llm.trackStream(stream, ATTRS);
    for await (const chunk of tracked) {
      if (chunk.choices[0]?.delta.content === 'b') break;
    }
    expect(state.closed).toBe(true);
    await tracked.return?.(); // a second return() records nothing more
    expect(LLM_STREAM_ABORTED).toBe('aborted');
    expect(await t.getHistogram(DURATION, { ...WITH_MODEL, 'error.type': 'aborted' })).toMatchObject({ count: 1, sum: 0.5 });
    expect(await t.getHistogram(DURATION, WITH_MODEL)).toBeUndefined();
    expect(await t.getHistogram(TPOC, WITH_MODEL)).toMatchObject({ count: 1, sum: 0.25 });
  });

  it('return() before the first chunk records an aborted operation and forwards return() upstream', async () => {
    let returned = 0;
    const upstream: AsyncIterable<Chunk> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: content('never') }),
        return: async () => {
          returned++;
          return { done: true, value: undefined };
        },
      }),
    };
    const tracked = llm.trackStream(upstream, { provider: 'anthropic', requestModel: 'claude', operation: 'text_completion' });
    t.clock.advance(2);
    await tracked.return?.();
    expect(returned).toBe(1);
    const labels = { 'gen_ai.operation.name': 'text_completion', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude', 'error.type': 'aborted' };
    expect(await t.getHistogram(DURATION, labels)).toMatchObject({ count: 1, sum: 2 });
    expect(await t.getHistogram(TTFC, labels)).toBeUndefined();
  });

  it('records nothing more when return() follows a completed stream', async () => {
    const tracked = llm.trackStream(source([[1, content('a')]], { closed: false }), ATTRS);
    for await (const _ of tracked);
    await tracked.return?.();
    expect(await t.getHistogram(DURATION, WITH_MODEL)).toMatchObject({ count: 1, sum: 1 });
    expect(await t.getHistogram(DURATION, { ...WITH_MODEL, 'error.type': 'aborted' })).toBeUndefined();
  });

  it('understands Anthropic events: usage split over message_start and message_delta, last value wins', async () => {
    const events = [
      { type: 'message_start', message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: 1 } } },
      { type: 'content_block_delta', delta: { text: 'hi' } },
      { type: 'message_delta', usage: { output_tokens: 25 } },
    ];
    const tracked = llm.trackStream(source(events.map((e) => [0.125, e] as const), { closed: false }), {
      provider: 'anthropic',
      requestModel: 'claude-sonnet-4-5',
    });
    for await (const _ of tracked);
    const labels = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.response.model': 'claude-sonnet-4-5' };
    expect(await t.getHistogram(TOKENS, { ...labels, 'gen_ai.token.type': 'input' })).toMatchObject({ count: 1, sum: 10 });
    expect(await t.getHistogram(TOKENS, { ...labels, 'gen_ai.token.type': 'output' })).toMatchObject({ count: 1, sum: 25 });
  });

  it('uses custom extractors, measures from startedAt, and a fixed responseModel wins', async () => {
    t.clock.set(10);
    const tracked = llm.trackStream(
      source([[0.5, 'tok'], [0.5, 'tok']] as const, { closed: false }),
      { ...ATTRS, responseModel: 'pinned' },
      { startedAt: 9, usage: () => ({ outputTokens: 2 }), responseModel: () => 'ignored' },
    );
    for await (const _ of tracked);
    const labels = { ...BASE, 'gen_ai.response.model': 'pinned' };
    expect(await t.getHistogram(TTFC, labels)).toMatchObject({ count: 1, sum: 1.5 });
    expect(await t.getHistogram(DURATION, labels)).toMatchObject({ count: 1, sum: 2 });
    expect(await t.getHistogram(TOKENS, { ...labels, 'gen_ai.token.type': 'output' })).toMatchObject({ count: 1, sum: 2 });
    expect(await t.getHistogram(TOKENS, { ...labels, 'gen_ai.token.type': 'input' })).toBeUndefined();
  });

  it('keeps streaming when an extractor throws', async () => {
    const chunk = content('x');
    const tracked = llm.trackStream(source([[0.25, chunk]], { closed: false }), ATTRS, {
      usage: () => {
        throw new Error('bad extractor');
      },
    });
    const seen: Chunk[] = [];
    for await (const c of tracked) seen.push(c);
    expect(seen[0]).toBe(chunk);
    expect(await t.getHistogram(DURATION, WITH_MODEL)).toMatchObject({ count: 1, sum: 0.25 });
  });
});

describe('track (non-streaming)', () => {
  it('times an async call and records usage from an OpenAI-shaped result', async () => {
    const result = { model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 100, completion_tokens: 5 } };
    const got = await llm.track(ATTRS, async () => {
      t.clock.advance(3);
      return result;
    });
    expect(got).toBe(result);
    const duration = await t.getHistogram(DURATION, WITH_MODEL);
    expect(duration).toMatchObject({ count: 1, sum: 3 });
    expect(counts(duration)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(await t.getHistogram(TOKENS, { ...WITH_MODEL, 'gen_ai.token.type': 'input' })).toMatchObject({ count: 1, sum: 100 });
    expect(await t.getHistogram(TOKENS, { ...WITH_MODEL, 'gen_ai.token.type': 'output' })).toMatchObject({ count: 1, sum: 5 });
  });

  it('records error.type and rethrows the same error, with no usage', async () => {
    const err = Object.assign(new Error('nope'), { name: 'APIConnectionError' });
    await expect(
      llm.track(ATTRS, async () => {
        t.clock.advance(0.5);
        throw err;
      }),
    ).rejects.toBe(err);
    expect(await t.getHistogram(DURATION, { ...BASE, 'error.type': 'APIConnectionError' })).toMatchObject({ count: 1, sum: 0.5 });
    expect(await t.getHistogram(TOKENS, { ...BASE, 'gen_ai.token.type': 'input' })).toBeUndefined();
  });

  it('supports sync functions and custom extractors', () => {
    const value = llm.track({ ...ATTRS, operation: 'embeddings' }, () => ({ tokens: 7 }), {
      usage: (r) => ({ inputTokens: r.tokens }),
    });
    expect(value).toEqual({ tokens: 7 });
    return expect(
      t.getHistogram(TOKENS, { ...BASE, 'gen_ai.operation.name': 'embeddings', 'gen_ai.token.type': 'input' }),
    ).resolves.toMatchObject({ count: 1, sum: 7 });
  });
});

describe('recordUsage and defaultUsage', () => {
  it('records input and output tokens directly', async () => {
    llm.recordUsage(ATTRS, { inputTokens: 3, outputTokens: 4096 });
    llm.recordUsage(ATTRS, { outputTokens: 1 });
    expect(await t.getHistogram(TOKENS, { ...BASE, 'gen_ai.token.type': 'input' })).toMatchObject({ count: 1, sum: 3 });
    const output = await t.getHistogram(TOKENS, { ...BASE, 'gen_ai.token.type': 'output' });
    expect(output).toMatchObject({ count: 2, sum: 4097 });
    expect(counts(output)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('drops a NaN token count and counts the drop', async () => {
    expect(() => llm.recordUsage(ATTRS, { inputTokens: Number.NaN })).not.toThrow();
    expect(await t.getValue('promkit.measurements.dropped', { 'promkit.metric': TOKENS, 'promkit.reason': 'not_a_number' })).toBe(1);
  });

  it('reads the OpenAI chat, OpenAI responses and Anthropic shapes', () => {
    expect(defaultUsage({ usage: { prompt_tokens: 1, completion_tokens: 2 } })).toEqual({ inputTokens: 1, outputTokens: 2 });
    expect(defaultUsage({ response: { usage: { input_tokens: 3, output_tokens: 4 } } })).toEqual({ inputTokens: 3, outputTokens: 4 });
    expect(defaultUsage({ message: { usage: { input_tokens: 5 } } })).toEqual({ inputTokens: 5, outputTokens: undefined });
    expect(defaultUsage({ usage: null })).toBeUndefined();
    expect(defaultUsage('text')).toBeUndefined();
  });

  it('types reject unknown attribute keys', () => {
    // @ts-expect-error `prompt` is not an attribute: prompts never become labels
    llm.recordUsage({ provider: 'openai', requestModel: 'm', prompt: 'hello' }, { inputTokens: 1 });
    return expect(t.scrapeText()).resolves.not.toContain('hello');
  });
});
