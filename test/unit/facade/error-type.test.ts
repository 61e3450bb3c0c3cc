import { describe, expect, it } from 'vitest';
import { errorTypeOf, OTHER_ERROR } from '../../../src/facade/error-type.js';
import { trackErrors } from '../../../src/facade/helpers.js';
import { createTestMetrics } from '../../../src/testing/index.js';

class QuotaError extends Error {}

describe('errorTypeOf', () => {
  it('prefers the error code, string or numeric', () => {
    expect(errorTypeOf(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('ENOTFOUND');
    expect(errorTypeOf(Object.assign(new Error('x'), { code: '23505' }))).toBe('23505');
    expect(errorTypeOf(Object.assign(new Error('x'), { code: 1213 }))).toBe('1213');
  });

  it('names an error without a code by its class, even when the subclass never set `name`', () => {
    expect(errorTypeOf(new TypeError('x'))).toBe('TypeError');
    expect(errorTypeOf(new QuotaError('over'))).toBe('QuotaError');
    expect(errorTypeOf(Object.assign(new Error('x'), { name: 'RateLimitError' }))).toBe('RateLimitError');
    expect(errorTypeOf(new Error('x'))).toBe('Error');
  });

  it("names a DOMException by its name, not its legacy numeric code", () => {
    expect(errorTypeOf(new DOMException('stop', 'AbortError'))).toBe('AbortError');
    expect(errorTypeOf(new DOMException('late', 'TimeoutError'))).toBe('TimeoutError');
  });

  it('falls back to _OTHER for values that are not errors', () => {
    expect(OTHER_ERROR).toBe('_OTHER');
    for (const value of ['boom', 42, null, undefined, {}, { code: '' }]) expect(errorTypeOf(value)).toBe('_OTHER');
  });
});

describe('one error.type rule across the facade', () => {
  it('trackErrors and metrics.db.track label the same error the same way', async () => {
    const t = createTestMetrics();
    const errors = t.metrics.counter({ name: 'work.errors', description: 'Errors.', labels: ['error.type'] });
    const quota = new QuotaError('over');
    expect(() => trackErrors(errors, () => { throw quota; })()).toThrow(quota);
    expect(() => t.metrics.db.track({ system: 'postgresql', operation: 'SELECT' }, () => { throw quota; })).toThrow(quota);
    expect(await t.getValue('work.errors', { 'error.type': 'QuotaError' })).toBe(1);
    expect(await t.getHistogram('db.client.operation.duration', {
      'db.system.name': 'postgresql',
      'db.operation.name': 'SELECT',
      'error.type': 'QuotaError',
    })).toMatchObject({ count: 1 });
  });
});
