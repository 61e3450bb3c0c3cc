/**
 * LLM client metrics from the OpenTelemetry GenAI semantic conventions. Using the convention's
 * names means `gen_ai_*` dashboards work without renaming, and the migration guide's mapping
 * (`llm_tokens_used_total` → `gen_ai_client_token_usage_sum`) holds.
 */
import { BUCKET_PRESETS } from './buckets.js';
import { defineMetric, type MetricDefinition } from './types.js';

const OPERATION_ATTRIBUTES = [
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'error.type',
  'server.address',
] as const;

export const GEN_AI_CLIENT_OPERATION_DURATION = defineMetric({
  name: 'gen_ai.client.operation.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of GenAI client operations, including streamed responses until the last chunk.',
  attributes: OPERATION_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.llm_duration,
  domain: 'llm',
  source: 'semconv',
});

/**
 * Token usage carries no `error.type`: a failed call reports no usage, and the convention keeps
 * the attribute off so that input and output series stay comparable.
 */
export const GEN_AI_CLIENT_TOKEN_USAGE = defineMetric({
  name: 'gen_ai.client.token.usage',
  kind: 'histogram',
  unit: '{token}',
  description: 'Number of input and output tokens used per GenAI client operation.',
  attributes: [
    'gen_ai.operation.name',
    'gen_ai.provider.name',
    'gen_ai.request.model',
    'gen_ai.response.model',
    'server.address',
    'gen_ai.token.type',
  ],
  boundaries: BUCKET_PRESETS.token_count,
  domain: 'llm',
  source: 'semconv',
});

export const GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = defineMetric({
  name: 'gen_ai.client.operation.time_to_first_chunk',
  kind: 'histogram',
  unit: 's',
  description: 'Time from the start of a streamed GenAI client operation to its first response chunk.',
  attributes: OPERATION_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.llm_duration,
  domain: 'llm',
  source: 'semconv',
});

export const GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK = defineMetric({
  name: 'gen_ai.client.operation.time_per_output_chunk',
  kind: 'histogram',
  unit: 's',
  description: 'Time between consecutive output chunks of a streamed GenAI client operation.',
  attributes: OPERATION_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.llm_duration,
  domain: 'llm',
  source: 'semconv',
});

export const LLM_METRICS: readonly MetricDefinition[] = Object.freeze([
  GEN_AI_CLIENT_OPERATION_DURATION,
  GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
]);
