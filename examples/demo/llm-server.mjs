// A small OpenAI-compatible chat completions server for the demo: `POST /v1/chat/completions`
// answers with server-sent events the way api.openai.com does (role chunk, content chunks, a
// finish chunk, then, when `stream_options.include_usage` is set, a usage chunk with empty
// `choices`, and `data: [DONE]`). Delays are per model so time-to-first-chunk lands in a known
// bucket. Every `rateLimitEvery`-th request is refused with 429, as a busy provider would.
// `POST /v1/responses` answers the Responses API the same way: a `response` object, or with
// `stream: true` the typed events (`response.created`, `response.output_text.delta` per chunk,
// `response.completed` carrying usage).
import { createServer } from 'node:http';

/** Per-model behaviour: delay before the first chunk, gap between chunks, chunks per answer. */
export const MODELS = Object.freeze({
  'demo-mini': { firstChunkMs: 90, chunkGapMs: 25, chunks: 6 },
  'demo-large': { firstChunkMs: 200, chunkGapMs: 25, chunks: 10 },
});

const WORDS = ['Metrics', ' are', ' how', ' a', ' service', ' tells', ' you', ' what', ' it', ' is', ' doing', ' now', '.'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readJson(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', reject);
  });
}

function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Input tokens of a request, as this server counts them: a quarter of its JSON length. */
export function promptTokensOf(input) {
  return JSON.stringify(input ?? []).length >> 2;
}

/** The Responses API: one `response` object, or its stream of typed events. */
async function respond(response, body, model, served) {
  const id = `resp_demo_${served}`;
  const text = WORDS.slice(0, model.chunks).join('');
  const usage = {
    input_tokens: promptTokensOf(body.input),
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: model.chunks,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: promptTokensOf(body.input) + model.chunks,
  };
  const message = (content) => ({ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content });
  const result = (status, output, extra = {}) => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model: body.model,
    status,
    output,
    ...extra,
  });
  const done = result('completed', [message([{ type: 'output_text', text, annotations: [] }])], { usage });
  if (body.stream !== true) {
    await sleep(model.firstChunkMs + model.chunks * model.chunkGapMs);
    return sendJson(response, 200, done);
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  response.flushHeaders();
  let closed = false;
  response.on('close', () => (closed = true));
  let sequence = 0;
  const send = (type, data) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  send('response.created', { response: result('in_progress', []) });
  await sleep(model.firstChunkMs);
  for (let i = 0; i < model.chunks && !closed; i++) {
    if (i > 0) await sleep(model.chunkGapMs);
    send('response.output_text.delta', { item_id: `msg_${id}`, output_index: 0, content_index: 0, delta: WORDS[i % WORDS.length], logprobs: [] });
  }
  if (closed) return;
  send('response.output_text.done', { item_id: `msg_${id}`, output_index: 0, content_index: 0, text, logprobs: [] });
  send('response.completed', { response: done });
  response.end();
}

/**
 * Starts the server on 127.0.0.1:`port` (0 for a free port).
 * @returns {Promise<{ url: string, port: number, requests: () => number, close: () => Promise<void> }>}
 */
export async function startLlmServer({ port = 0, rateLimitEvery = 10 } = {}) {
  let served = 0;
  const server = createServer(async (request, response) => {
    const api = request.url === '/v1/responses' ? 'responses' : request.url === '/v1/chat/completions' ? 'chat' : undefined;
    if (request.method !== 'POST' || api === undefined) {
      return sendJson(response, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }
    const body = await readJson(request).catch(() => undefined);
    const model = MODELS[body?.model];
    if (model === undefined) {
      return sendJson(response, 404, { error: { message: `model ${body?.model} not found`, type: 'invalid_request_error' } });
    }
    served += 1;
    if (rateLimitEvery > 0 && served % rateLimitEvery === 0) {
      return sendJson(response, 429, { error: { message: 'rate limit reached', type: 'rate_limit_error' } });
    }
    if (api === 'responses') return respond(response, body, model, served);
    const id = `chatcmpl-demo-${served}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = JSON.stringify(body.messages ?? []).length >> 2;
    const chunk = (choices, extra = {}) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices, ...extra });

    if (body.stream !== true) {
      await sleep(model.firstChunkMs + model.chunks * model.chunkGapMs);
      const content = WORDS.slice(0, model.chunks).join('');
      return sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: model.chunks, total_tokens: promptTokens + model.chunks },
      });
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
    const send = (data) => response.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    let closed = false;
    response.on('close', () => (closed = true));

    await sleep(model.firstChunkMs);
    send(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    for (let i = 0; i < model.chunks && !closed; i++) {
      if (i > 0) await sleep(model.chunkGapMs);
      send(chunk([{ index: 0, delta: { content: WORDS[i % WORDS.length] }, finish_reason: null }]));
    }
    if (closed) return;
    send(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    if (body.stream_options?.include_usage === true) {
      const usage = { prompt_tokens: promptTokens, completion_tokens: model.chunks, total_tokens: promptTokens + model.chunks };
      send(chunk([], { usage }));
    }
    send('[DONE]');
    response.end();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    port: bound,
    requests: () => served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
