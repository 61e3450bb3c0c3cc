/**
 * Label keys the exporter writes itself (the overflow marker, histogram `le`, summary `quantile`,
 * every `otel_scope_*`) are refused when a metric is defined, in either spelling.
 */
import { describe, expect, test } from 'vitest';
import { InvalidDefinitionError } from '../../../src/errors.js';
import { createFacadeCore } from '../../../src/record/core.js';

function refusal(define: () => unknown): InvalidDefinitionError {
  try {
    define();
  } catch (error) {
    if (error instanceof InvalidDefinitionError) return error;
    throw error;
  }
  throw new Error('expected an InvalidDefinitionError');
}

describe('reserved label keys are refused at definition', () => {
  const reserved: [key: string, label: string][] = [
    ['otel_metric_overflow', 'otel_metric_overflow'],
    ['otel.metric.overflow', 'otel_metric_overflow'],
    ['le', 'le'],
    ['quantile', 'quantile'],
    ['otel_scope_name', 'otel_scope_name'],
    ['otel.scope.version', 'otel_scope_version'],
    ['otel_scope_schema_url', 'otel_scope_schema_url'],
  ];
  for (const [key, label] of reserved) {
    test(`"${key}" on a counter and a histogram names the key and the label it would clash with`, () => {
      const core = createFacadeCore();
      const onCounter = refusal(() => core.counter({ name: 'jobs.done', description: 'Jobs.', labels: ['job.kind', key] }));
      expect(onCounter.metric).toBe('jobs.done');
      expect(onCounter.message).toBe(
        `Invalid metric definition for "jobs.done": label ${JSON.stringify(key)} is reserved (Prometheus or the exporter writes "${label}"); pick another key`,
      );
      const onHistogram = refusal(() => core.histogram({ name: 'job.duration', description: 'Job.', unit: 's', buckets: [1], labels: [key] }));
      expect(onHistogram.problem).toContain(`label ${JSON.stringify(key)} is reserved`);
    });
  }

  test('keys that only start like a reserved one stay legal', () => {
    const core = createFacadeCore();
    const counter = core.counter({ name: 'jobs.done', description: 'Jobs.', labels: ['level', 'quantile.name', 'otel.metric.kind', 'scope'] });
    expect(counter.name).toBe('jobs.done');
  });
});
