/**
 * One GenAI client operation in flight, and the stream wrapper built on it. The operation owns
 * the "record exactly once" rule: whichever of completion, error or abandonment comes first
 * records the duration and token usage, and everything after it is ignored.
 */
import type { Clock, Histogram } from '../../record/types.js';
import { safely } from '../../record/observe-call.js';
import { errorTypeOf } from '../error-type.js';
import type { LlmAttributes, LlmUsage, TrackStreamOptions } from './llm-types.js';

/** `error.type` of a stream the consumer abandoned (`break`, `return()`) before its last chunk. */
export const LLM_STREAM_ABORTED = 'aborted';

type OperationKey =
  | 'gen_ai.operation.name'
  | 'gen_ai.provider.name'
  | 'gen_ai.request.model'
  | 'gen_ai.response.model'
  | 'error.type'
  | 'server.address';
type CommonKey = Exclude<OperationKey, 'error.type'>;
type UsageKey = CommonKey | 'gen_ai.token.type';

/** The instruments an operation records into (created once per facade). */
export interface LlmInstruments {
  readonly clock: Clock;
  readonly duration: Histogram<OperationKey>;
  readonly tokens: Histogram<UsageKey>;
  readonly timeToFirstChunk: Histogram<OperationKey>;
  readonly timePerOutputChunk: Histogram<OperationKey>;
}

export interface LlmOperation {
  /** Response model seen in the response; ignored when the caller fixed `responseModel`. */
  observeModel(model: string | undefined): void;
  /** Usage seen so far; later values replace earlier ones per token type (streams report totals). */
  observeUsage(usage: LlmUsage | undefined): void;
  /** A content chunk arrived now: the first records time to first chunk, later ones the gap. */
  chunk(): void;
  /** Records duration (with `error.type` if given) and usage; only the first call counts. */
  finish(errorType?: string): void;
}

/** Absent counts are skipped; anything else goes to the core, which drops and counts bad values. */
function tokenCount(value: number | undefined | null): number | undefined {
  return value === undefined || value === null ? undefined : value;
}

type CommonLabels = { -readonly [K in CommonKey]?: string };

/** The labels every GenAI series shares; `responseModel` overrides nothing the caller fixed. */
export function commonLabels(attrs: LlmAttributes, responseModel = attrs.responseModel): CommonLabels {
  const labels: CommonLabels = {
    'gen_ai.operation.name': attrs.operation ?? 'chat',
    'gen_ai.provider.name': attrs.provider,
    'gen_ai.request.model': attrs.requestModel,
  };
  if (responseModel !== undefined) labels['gen_ai.response.model'] = responseModel;
  if (attrs.serverAddress !== undefined) labels['server.address'] = attrs.serverAddress;
  return labels;
}

/** One `gen_ai.client.token.usage` measurement per token type present. */
export function recordTokens(instruments: LlmInstruments, labels: CommonLabels, usage: LlmUsage): void {
  const input = tokenCount(usage.inputTokens);
  const output = tokenCount(usage.outputTokens);
  if (input !== undefined) instruments.tokens.record(input, { ...labels, 'gen_ai.token.type': 'input' });
  if (output !== undefined) instruments.tokens.record(output, { ...labels, 'gen_ai.token.type': 'output' });
}

export function startOperation(
  instruments: LlmInstruments,
  attrs: LlmAttributes,
  startedAt: number = instruments.clock.now(),
): LlmOperation {
  const { clock } = instruments;
  let responseModel = attrs.responseModel;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  let lastChunkAt: number | undefined;
  let finished = false;

  const base = (): CommonLabels => commonLabels(attrs, responseModel);

  return {
    observeModel(model) {
      if (attrs.responseModel === undefined && typeof model === 'string' && model !== '') responseModel = model;
    },
    observeUsage(usage) {
      if (usage === undefined || usage === null) return;
      inputTokens = tokenCount(usage.inputTokens) ?? inputTokens;
      outputTokens = tokenCount(usage.outputTokens) ?? outputTokens;
    },
    chunk() {
      if (finished) return;
      const now = clock.now();
      const labels = base();
      if (lastChunkAt === undefined) instruments.timeToFirstChunk.record(now - startedAt, labels);
      else instruments.timePerOutputChunk.record(now - lastChunkAt, labels);
      lastChunkAt = now;
    },
    finish(errorType) {
      if (finished) return;
      finished = true;
      const labels = base();
      recordTokens(instruments, labels, { inputTokens, outputTokens });
      const durationLabels = errorType === undefined ? labels : { ...labels, 'error.type': errorType };
      instruments.duration.record(clock.now() - startedAt, durationLabels);
    },
  };
}

/**
 * Wraps `stream` so each chunk passes through as the same object while `operation` sees it.
 * `return()` records the abandonment and is forwarded to the source iterator (closing an HTTP
 * stream upstream); a source error is recorded by name and rethrown unchanged.
 */
export function wrapStream<T>(
  stream: AsyncIterable<T>,
  operation: LlmOperation,
  options: TrackStreamOptions<T>,
): AsyncIterableIterator<T> {
  let iterator: AsyncIterator<T> | undefined;
  let sourceDone = false;
  const source = (): AsyncIterator<T> => (iterator ??= stream[Symbol.asyncIterator]());

  const observe = (chunk: T): void => {
    if (options.responseModel) operation.observeModel(safely(options.responseModel, chunk));
    if (options.usage) operation.observeUsage(safely(options.usage, chunk));
    const isContent = options.isContentChunk ? safely(options.isContentChunk, chunk) !== false : true;
    if (isContent) operation.chunk();
  };

  const wrapper: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return wrapper;
    },
    async next() {
      let result: IteratorResult<T>;
      try {
        result = await source().next();
      } catch (error) {
        sourceDone = true;
        operation.finish(errorTypeOf(error));
        throw error;
      }
      if (result.done) {
        sourceDone = true;
        operation.finish();
      } else {
        observe(result.value);
      }
      return result;
    },
    async return(value?: unknown) {
      operation.finish(LLM_STREAM_ABORTED);
      if (!sourceDone) {
        sourceDone = true;
        const upstream = source();
        if (upstream.return) return upstream.return(value);
      }
      return { done: true, value };
    },
    async throw(error?: unknown) {
      operation.finish(errorTypeOf(error));
      if (!sourceDone) {
        sourceDone = true;
        const upstream = source();
        if (upstream.throw) return upstream.throw(error);
        if (upstream.return) await upstream.return();
      }
      throw error;
    },
  };
  return wrapper;
}
