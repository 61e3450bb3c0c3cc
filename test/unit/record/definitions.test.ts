/** The definition-time half of the bad-input contract: typed errors naming the metric and the value. */
import { describe, expect, test } from 'vitest';
import { CACHE_HITS } from '../../../src/catalogue/cache.js';
import { ConflictingDefinitionError, InvalidDefinitionError } from '../../../src/errors.js';
import { createFacadeCore } from '../../../src/record/core.js';
import type { InstrumentDefinition } from '../../../src/record/generic.js';

const core = () => createFacadeCore();

function definitionError(define: () => unknown): InvalidDefinitionError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    return error as InvalidDefinitionError;
  }
  throw new Error('expected an InvalidDefinitionError');
}

describe('invalid definitions throw InvalidDefinitionError naming the metric and the value', () => {
  test('invalid name', () => {
    const c = core();
    expect(definitionError(() => c.counter({ name: 'Orders', description: 'Orders.' })).message).toBe(
      'Invalid metric definition for "Orders": name "Orders" must be lowercase and dot-namespaced, like "orders.processed"',
    );
    expect(definitionError(() => c.counter({ name: '1orders', description: 'Orders.' })).message).toContain(
      'name "1orders" is not a valid instrument name',
    );
    const suffixed = definitionError(() => c.counter({ name: 'orders.placed_total', description: 'Orders.' }));
    expect(suffixed.metric).toBe('orders.placed_total');
    expect(suffixed.message).toContain('ends in "_total", which the Prometheus exporter adds itself');
  });

  test('invalid unit', () => {
    const error = definitionError(() => core().histogram({ name: 'job.duration', description: 'Job.', unit: 'milli seconds', buckets: [1] }));
    expect(error.message).toBe(
      'Invalid metric definition for "job.duration": unit "milli seconds" is not a UCUM unit (use "s", "By", "1", "ms", "By/s" or an annotation such as "{request}")',
    );
  });

  test('invalid label key', () => {
    const c = core();
    expect(definitionError(() => c.counter({ name: 'orders.placed', description: 'Orders.', labels: ['order-kind'] })).message).toBe(
      'Invalid metric definition for "orders.placed": label "order-kind" is not a valid attribute key (letters, digits, "_" and ".", not starting with a digit or "__")',
    );
    expect(definitionError(() => c.counter({ name: 'orders.placed', description: 'Orders.', labels: ['le'] })).message).toContain(
      'label "le" is reserved',
    );
  });

  test('invalid buckets', () => {
    const c = core();
    const h = (buckets: unknown) => () =>
      c.histogram({ name: 'job.duration', description: 'Job.', unit: 's', buckets: buckets as number[] });
    expect(definitionError(h([1, 0.5])).message).toBe(
      'Invalid metric definition for "job.duration": bucket boundaries must increase strictly: 1 is followed by 0.5 at index 1',
    );
    expect(definitionError(h([1, 1])).message).toContain('1 is followed by 1 at index 1');
    expect(definitionError(h([0.1, Number.NaN])).message).toContain('bucket boundary NaN at index 1 is not a finite number');
    expect(definitionError(h([])).message).toContain('buckets must be a non-empty array');
    expect(definitionError(h('fast')).message).toBe(
      'Invalid metric definition for "job.duration": buckets "fast" is not a preset (use one of http_duration, body_size, llm_duration, token_count, cache_duration, db_duration, db_rows, pool_time, breaker_call, or an array)',
    );
    expect(definitionError(h(undefined)).message).toContain('histograms need buckets (an array of boundaries or a preset: http_duration,');
  });

  test('missing description', () => {
    expect(definitionError(() => core().gauge({ name: 'queue.depth', description: ' ' })).message).toBe(
      'Invalid metric definition for "queue.depth": description " " must be a non-empty sentence (it becomes the # HELP text)',
    );
  });

  test('a definition that is not an object', () => {
    expect(definitionError(() => core().counter(null as never)).message).toBe(
      'Invalid metric definition for "null": a definition must be an object with a name and a description',
    );
  });

  test('a catalogue entry given to the wrong method', () => {
    expect(definitionError(() => core().histogram(CACHE_HITS as never)).message).toBe(
      'Invalid metric definition for "cache.hits": is a counter, not a histogram; histogram() cannot create it',
    );
  });
});

describe('redefinition', () => {
  const base: InstrumentDefinition<'a'> = { name: 'orders.placed', description: 'Orders placed.', labels: ['a'] };

  test('a different description is the same metric (the first description is kept)', () => {
    const c = core();
    expect(c.counter({ ...base, description: 'Other words.' })).toBe(c.counter(base));
  });

  test('a conflicting redefinition throws ConflictingDefinitionError showing both definitions', () => {
    const c = core();
    c.counter(base);
    let error: unknown;
    try {
      c.counter({ ...base, unit: '{order}', labels: ['a', 'b'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConflictingDefinitionError);
    expect((error as Error).message).toBe(
      'Metric "orders.placed" is already defined differently.\n' +
        '  existing:  {"name":"orders.placed","kind":"counter","description":"Orders placed.","unit":"","labels":["a"]}\n' +
        '  requested: {"name":"orders.placed","kind":"counter","description":"Orders placed.","unit":"{order}","labels":["a","b"]}\n' +
        'Reuse the existing definition, or pick another name.',
    );
  });

  test('the same name as another kind, or with other buckets, conflicts', () => {
    const c = core();
    c.counter(base);
    expect(() => c.gauge(base)).toThrow(ConflictingDefinitionError);
    c.histogram({ name: 'job.duration', description: 'Job.', unit: 's', buckets: [1, 2] });
    expect(() => c.histogram({ name: 'job.duration', description: 'Job.', unit: 's', buckets: [1, 3] })).toThrow(
      /existing: .*"boundaries":\[1,2\][^]*requested: .*"boundaries":\[1,3\]/,
    );
  });

  test('a user definition reusing a catalogue name must match the catalogue entry', () => {
    const c = core();
    expect(() => c.counter({ name: 'cache.hits', description: 'Hits.', labels: ['cache.name'] })).toThrow(ConflictingDefinitionError);
    const matching = c.counter({ name: 'cache.hits', description: 'Hits.', unit: '{request}', labels: ['cache.operation', 'cache.name'] });
    expect(c.counter(CACHE_HITS)).toBe(matching);
  });
});
