/** The shapes the LLM facade (`llm.ts`) and its stream wrapper (`llm-stream.ts`) share. */
/** Who was called with what: the GenAI attributes, under readable names. */
export interface LlmAttributes {
  /** `gen_ai.operation.name`: `chat` (default), `text_completion`, `embeddings`, ... */
  readonly operation?: string;
  /** `gen_ai.provider.name`: `openai`, `anthropic`, `aws.bedrock`, ... */
  readonly provider: string;
  /** `gen_ai.request.model`: the model asked for. */
  readonly requestModel: string;
  /** `gen_ai.response.model`: fixes the value; otherwise it is taken from the response. */
  readonly responseModel?: string;
  /** `server.address`: the API host. */
  readonly serverAddress?: string;
}

/** Token counts as the provider reports them; either may be absent. */
export interface LlmUsage {
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
}

export interface TrackStreamOptions<T> {
  /** Usage in a chunk, if any; default {@link defaultUsage}. The last value seen per type wins. */
  readonly usage?: (chunk: T) => LlmUsage | undefined;
  /** Response model in a chunk, if any; default {@link defaultResponseModel}. */
  readonly responseModel?: (chunk: T) => string | undefined;
  /** Chunks that carry output and so count for chunk timing; default every chunk. */
  readonly isContentChunk?: (chunk: T) => boolean;
  /** When the request started, in facade clock seconds; default the `trackStream` call. */
  readonly startedAt?: number;
}
