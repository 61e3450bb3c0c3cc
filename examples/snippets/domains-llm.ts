// docs/domains.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { metrics, start } from 'promkit';

const handle = await start();
// What an OpenAI client's streamed create() returns, reduced to what the block reads.
type Chunk = { choices: { delta?: { content?: string } }[]; usage?: { prompt_tokens: number; completion_tokens: number } };
const messages = [{ role: 'user', content: 'Hi' }];
const openai = {
  chat: {
    completions: {
      create: async (_request: { model: string; messages: unknown[]; stream: true; stream_options: { include_usage: boolean } }) =>
        (async function* (): AsyncGenerator<Chunk> {
          yield { choices: [{ delta: { content: 'Hello' } }] };
          yield { choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } };
        })(),
    },
  },
};

// #region doc
// The request runs inside the tracked iterable, so a refused request (429) is recorded too and
// time to first chunk counts from the request (examples/demo/service.mjs does this).
async function* completion() {
  yield* await openai.chat.completions.create({
    model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true },
  });
}
for await (const chunk of metrics.llm.trackStream(completion(), { provider: 'openai', requestModel: 'gpt-4o-mini' })) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
}
// #endregion doc

const text = await handle.scrape();
expect(text).toMatch(/^gen_ai_client_operation_duration_seconds_count\{[^}]*gen_ai_provider_name="openai"[^}]*\} 1$/m);
expect(text).toMatch(/^gen_ai_client_operation_time_to_first_chunk_seconds_count\{[^}]*\} 1$/m);
await handle.shutdown();
