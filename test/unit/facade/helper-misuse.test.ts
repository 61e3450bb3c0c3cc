/**
 * Helpers given what they cannot measure still never break the caller and never leave a series
 * wrong: a thenable whose `then` throws, a "stream" that is not iterable, a breaker state or
 * outcome that is not one of the catalogue's values.
 */
import { describe, expect, test } from 'vitest';
import { trackActive, trackDuration, trackErrors } from '../../../src/facade/helpers.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let t: TestMetrics;

useTestMetrics((fresh) => {
  t = fresh;
});

const dropped = (metric: string, reason: string): Promise<number | undefined> =>
  t.getValue('promkit.measurements.dropped', { 'promkit.metric': metric, 'promkit.reason': reason });

class BrokenThen extends Error {
  override readonly name = 'BrokenThen';
}
/** A thenable whose `then` throws: it can never settle. */
const brokenThenable = { then: () => { throw new BrokenThen('then is broken'); } };

describe('a thenable whose then throws', () => {
  test('trackActive goes back to 0 and the thenable is returned untouched', async () => {
    const active = t.metrics.upDownCounter({ name: 'work.active', description: 'Work in flight.' });
    const run = trackActive(active, () => brokenThenable);
    expect(run()).toBe(brokenThenable);
    expect(await t.getValue('work.active')).toBe(0);
  });

  test('trackDuration records the call once, with the time it took', async () => {
    const duration = t.metrics.histogram({ name: 'work.duration', description: 'Work.', unit: 's', buckets: [1, 5] });
    const run = trackDuration(duration, () => {
      t.clock.advance(2);
      return brokenThenable;
    });
    expect(run()).toBe(brokenThenable);
    const histogram = await t.getHistogram('work.duration');
    expect([histogram?.count, histogram?.sum]).toEqual([1, 2]);
  });

  test('trackErrors counts it with error.type from what then threw', async () => {
    const errors = t.metrics.counter({ name: 'work.errors', description: 'Errors.', labels: ['error.type'] });
    trackErrors(errors, () => brokenThenable)();
    expect(await t.getValue('work.errors', { 'error.type': 'BrokenThen' })).toBe(1);
  });

  test('the promise form rejects with the error then threw and records it', async () => {
    const active = t.metrics.upDownCounter({ name: 'work.active', description: 'Work in flight.' });
    await expect(trackActive(active, brokenThenable)).rejects.toBeInstanceOf(BrokenThen);
    expect(await t.getValue('work.active')).toBe(0);
  });
});

describe('llm.trackStream given something that is not an async iterable', () => {
  const ATTRS = { provider: 'openai', requestModel: 'gpt-4o-mini' };
  for (const [label, value] of [
    ['a string', 'hello'],
    ['a plain object', { choices: [] }],
    ['a sync array', [1, 2]],
    ['undefined', undefined],
  ] as const) {
    test(`${label}: returned unchanged, counted as not_iterable at call time, nothing timed`, async () => {
      const returned = t.metrics.llm.trackStream(value as unknown as AsyncIterable<unknown>, ATTRS);
      expect(returned).toBe(value);
      expect(await dropped('gen_ai.client.operation.duration', 'not_iterable')).toBe(1);
      expect(await t.getHistogram('gen_ai.client.operation.duration', { 'gen_ai.request.model': 'gpt-4o-mini' })).toBeUndefined();
    });
  }
});

describe('circuit breaker values outside the catalogue', () => {
  test("setState('bogus') is a counted drop and leaves the state as it was", async () => {
    const breaker = t.metrics.circuitBreaker('payments');
    breaker.setState('closed');
    breaker.setState('bogus' as never);
    expect(breaker.state).toBe('closed');
    expect(await dropped('circuit_breaker.state', 'invalid_label_value')).toBe(1);
    const states = parsePrometheusText(await t.scrapeText()).samples.filter((s) => s.name === 'circuit_breaker_state');
    expect(states.map((s) => [s.labels.circuit_breaker_state, s.value])).toEqual([
      ['closed', 1],
      ['open', 0],
      ['half_open', 0],
    ]);
  });

  test("recordCall({ outcome: 'bogus' }) is a counted drop, never a new label value", async () => {
    const breaker = t.metrics.circuitBreaker('payments');
    breaker.recordCall({ outcome: 'bogus', durationS: 0.1 } as never);
    breaker.recordCall(undefined as never);
    expect(await dropped('circuit_breaker.call.duration', 'invalid_label_value')).toBe(2);
    expect(breaker.failureRate).toBeUndefined();
    const text = await t.scrapeText();
    expect(text).not.toContain('bogus');
    expect(text).not.toContain('circuit_breaker_call_duration_seconds_count');
  });
});
