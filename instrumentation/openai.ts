/**
 * GenAI client metrics for an `openai` client instance (also the client of OpenAI-compatible
 * providers: vLLM, Ollama, Groq, Together, ...) without per-call code. `openai` is not a
 * dependency: the client is described by the few members the adapter uses (v5 and v6).
 *
 * What the caller gets back is the SDK's own object: the same `APIPromise` (so `.withResponse()`,
 * `.asResponse()` and `_thenUnwrap`-based helpers keep working) resolving to the same result or
 * `Stream`. Recording hooks the promise's parse step and, for streams, the stream's iterator, so
 * `for await`, `.tee()` and `.toReadableStream()` are all measured, once.
 */
import type { LlmAttributes, LlmFacade } from '../src/facade/llm/llm.js';
import { metrics as defaultMetrics } from '../src/facade/metrics.js';
import type { Clock } from '../src/record/types.js';

/** A `create` method of an SDK resource: `(body, options) => APIPromise`. */
type Create = (this: unknown, body?: unknown, options?: unknown) => unknown;

/** An SDK resource with a `create` method (its overloads are typed by the SDK; `never` accepts them all). */
export interface CreateResource {
  create(body: never, options?: never): unknown;
}

/** The part of an `OpenAI` client the adapter relies on. */
export interface OpenAIClientLike {
  readonly baseURL?: string;
  readonly chat: { readonly completions: CreateResource };
  readonly responses?: CreateResource;
}

export interface InstrumentOpenAIOptions {
  /** `gen_ai.provider.name`, default `openai`; name the real provider for compatible APIs (`groq`, `ollama`, ...). */
  readonly provider?: string;
  /** `server.address`; default the host of the client's `baseURL`. */
  readonly serverAddress?: string;
  /** Where to record: default promkit's `metrics`; or `createMetrics(...)`, or anything with `llm` and `clock`. */
  readonly metrics?: { readonly llm: LlmFacade; readonly clock: Clock };
}

/** The APIPromise members used: both are plain fields in openai v4 to v6. */
interface ApiPromiseLike {
  parseResponse: (this: unknown, ...args: unknown[]) => unknown;
  readonly responsePromise: Promise<unknown>;
}

interface StreamLike {
  iterator: () => AsyncIterator<unknown>;
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  const candidate = value as Partial<ApiPromiseLike> | null;
  return typeof candidate?.parseResponse === 'function' && typeof candidate.responsePromise?.then === 'function';
}

function isStream(value: unknown): value is StreamLike {
  return typeof (value as Partial<StreamLike> | null)?.iterator === 'function';
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** A chat chunk carries output when a choice's delta has content, a refusal or tool calls. */
function isChatContent(chunk: unknown): boolean {
  const choices = field(chunk, 'choices');
  if (!Array.isArray(choices)) return false;
  return choices.some((choice) => {
    const delta = field(choice, 'delta');
    const content = field(delta, 'content');
    const refusal = field(delta, 'refusal');
    return (typeof content === 'string' && content !== '') || (typeof refusal === 'string' && refusal !== '') || Array.isArray(field(delta, 'tool_calls'));
  });
}

/** A responses event carries output when it is a `*.delta` (text, refusal, function arguments, ...). */
function isResponsesContent(event: unknown): boolean {
  const type = field(event, 'type');
  return typeof type === 'string' && type.endsWith('.delta');
}

function hostOf(baseURL: string | undefined): string | undefined {
  if (baseURL === undefined) return undefined;
  try {
    return new URL(baseURL).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Records every `client.chat.completions.create` and `client.responses.create` call, streamed
 * or not, as a `chat` operation: duration (a streamed call until its last chunk), token usage by
 * type, time to first chunk and time per output chunk (chunks that carry output), and failures
 * with `error.type` = the SDK's error class (`RateLimitError`, `APIConnectionTimeoutError`, ...).
 * A streamed chat completion reports tokens only when asked with
 * `stream_options: { include_usage: true }`; the adapter never changes the request.
 * A call whose body is never parsed (only `.asResponse()`) records nothing.
 *
 * @returns `restore`, which puts the client's own `create` methods back (idempotent).
 */
export function instrumentOpenAI(client: OpenAIClientLike, options: InstrumentOpenAIOptions = {}): () => void {
  const { llm, clock } = options.metrics ?? defaultMetrics;
  const provider = options.provider ?? 'openai';
  const serverAddress = options.serverAddress ?? hostOf(client.baseURL);

  const instrument = (target: CreateResource, isContent: (chunk: unknown) => boolean): (() => void) => {
    const resource = target as unknown as { create: Create };
    const original = resource.create;
    const wrapper: Create = function (this: unknown, body, requestOptions) {
      const startedAt = clock.now();
      const promise = original.call(this, body, requestOptions);
      if (!isApiPromise(promise)) return promise;
      const model = field(body, 'model');
      const attrs: LlmAttributes = {
        provider,
        requestModel: typeof model === 'string' ? model : '_OTHER',
        ...(serverAddress !== undefined && { serverAddress }),
      };
      let recorded = false;
      const fail = (error: unknown): void => {
        if (recorded) return;
        recorded = true;
        try {
          llm.track(attrs, () => {
            throw error;
          }, { startedAt });
        } catch {
          // Recorded; the caller sees the error from the SDK's own promise.
        }
      };
      // A refused request (429, timeout, connection error) rejects here, before any parsing.
      promise.responsePromise.then(undefined, fail);
      const parse = promise.parseResponse;
      promise.parseResponse = async function (this: unknown, ...args: unknown[]) {
        let result: unknown;
        try {
          result = await parse.apply(this, args);
        } catch (error) {
          fail(error);
          throw error;
        }
        if (recorded) return result;
        recorded = true;
        if (isStream(result)) {
          const source = result.iterator;
          result.iterator = () => llm.trackStream({ [Symbol.asyncIterator]: source }, attrs, { startedAt, isContentChunk: isContent });
        } else {
          llm.track(attrs, () => result, { startedAt });
        }
        return result;
      };
      return promise;
    };
    resource.create = wrapper;
    return () => {
      if (resource.create === wrapper) resource.create = original;
    };
  };

  const restores = [instrument(client.chat.completions, isChatContent)];
  if (client.responses !== undefined) restores.push(instrument(client.responses, isResponsesContent));
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const restore of restores) restore();
  };
}
