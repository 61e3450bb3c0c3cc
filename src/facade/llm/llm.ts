/**
 * LLM client metrics (GenAI semantic conventions): streamed and non-streamed calls, token usage.
 * Defaults understand OpenAI (chat completions and responses) and Anthropic message shapes, so
 * the common SDKs need no extractor.
 */
import {
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  GEN_AI_CLIENT_TOKEN_USAGE,
} from '../../catalogue/llm.js';
import { commonLabels, recordTokens, startOperation, wrapStream, type LlmInstruments } from './llm-stream.js';
import { describeValue } from '../../record/drops.js';
import { observeCall, safely } from '../../record/observe-call.js';
import { errorTypeOf } from '../error-type.js';
import type { LlmAttributes, LlmUsage, TrackStreamOptions } from './llm-types.js';
import type { FacadeCore } from '../../record/types.js';

export { LLM_STREAM_ABORTED } from './llm-stream.js';
export type { LlmAttributes, LlmUsage, TrackStreamOptions } from './llm-types.js';

export interface TrackOptions<R> {
  /** Usage in the result; default {@link defaultUsage} (`result.usage`). */
  readonly usage?: (result: R) => LlmUsage | undefined;
  /** Response model in the result; default {@link defaultResponseModel} (`result.model`). */
  readonly responseModel?: (result: R) => string | undefined;
  /** When the request started, in facade clock seconds; default the `track` call. */
  readonly startedAt?: number;
}

export interface LlmFacade {
  /**
   * Passes every chunk of `stream` through unchanged while recording time to first chunk, time
   * per output chunk, duration and usage. Duration is recorded exactly once: on the last chunk, on
   * a thrown error (`error.type` from `errorTypeOf`: its code, else its class name), or when the consumer stops early (`break`,
   * `return()`: `error.type` = `aborted`, and the source iterator is closed). A stream that is
   * dropped without `return()` records nothing. Iterate the result once. Something that is not
   * an async iterable is returned as it is, unmeasured, and counted as a `not_iterable` drop.
   */
  trackStream<T>(stream: AsyncIterable<T>, attrs: LlmAttributes, options?: TrackStreamOptions<T>): AsyncIterableIterator<T>;
  /** Times a non-streamed call and records usage from its result; returns or throws what `fn` does. */
  track<R>(attrs: LlmAttributes, fn: () => R, options?: TrackOptions<Awaited<R>>): R;
  /** Records token usage for a call measured elsewhere. */
  recordUsage(attrs: LlmAttributes, usage: LlmUsage): void;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Usage from an OpenAI chat chunk or completion (`usage.prompt_tokens` / `completion_tokens`), an
 * OpenAI responses event or response (`response.usage`, `usage.input_tokens` / `output_tokens`),
 * or an Anthropic message or `message_start` event (`message.usage`).
 */
export function defaultUsage(value: unknown): LlmUsage | undefined {
  const usage = field(value, 'usage') ?? field(field(value, 'message'), 'usage') ?? field(field(value, 'response'), 'usage');
  if (usage === null || typeof usage !== 'object') return undefined;
  const input = field(usage, 'prompt_tokens') ?? field(usage, 'input_tokens');
  const output = field(usage, 'completion_tokens') ?? field(usage, 'output_tokens');
  return {
    inputTokens: typeof input === 'number' ? input : undefined,
    outputTokens: typeof output === 'number' ? output : undefined,
  };
}

/** `model`, `message.model` (Anthropic) or `response.model` (OpenAI responses), when a string. */
export function defaultResponseModel(value: unknown): string | undefined {
  const model = field(value, 'model') ?? field(field(value, 'message'), 'model') ?? field(field(value, 'response'), 'model');
  return typeof model === 'string' ? model : undefined;
}

export function createLlmFacade(core: FacadeCore): LlmFacade {
  const instruments: LlmInstruments = {
    clock: core.clock,
    duration: core.histogram(GEN_AI_CLIENT_OPERATION_DURATION),
    tokens: core.histogram(GEN_AI_CLIENT_TOKEN_USAGE),
    timeToFirstChunk: core.histogram(GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK),
    timePerOutputChunk: core.histogram(GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK),
  };

  return {
    trackStream(stream, attrs, options = {}) {
      if (!isAsyncIterable(stream)) {
        // Returned as given: the caller's own iteration fails (or works) exactly as it would unwrapped.
        core.dropMeasurement(GEN_AI_CLIENT_OPERATION_DURATION.name, 'not_iterable', `stream ${describeValue(stream)}`);
        return stream;
      }
      const operation = startOperation(instruments, attrs, options.startedAt);
      return wrapStream(stream, operation, {
        usage: options.usage ?? defaultUsage,
        responseModel: options.responseModel ?? defaultResponseModel,
        ...(options.isContentChunk ? { isContentChunk: options.isContentChunk } : {}),
      });
    },

    track(attrs, fn, options = {}) {
      const operation = startOperation(instruments, attrs, options.startedAt);
      const usage = options.usage ?? defaultUsage;
      const responseModel = options.responseModel ?? defaultResponseModel;
      return observeCall(fn, (outcome) => {
        if (!outcome.ok) return operation.finish(errorTypeOf(outcome.error));
        operation.observeModel(safely(responseModel, outcome.value));
        operation.observeUsage(safely(usage, outcome.value));
        operation.finish();
      });
    },

    recordUsage(attrs, usage) {
      recordTokens(instruments, commonLabels(attrs), usage ?? {});
    },
  };
}
