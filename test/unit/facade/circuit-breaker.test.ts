import { describe, expect, it } from 'vitest';
import { createCircuitBreakerFacade, type CircuitBreakerFacade } from '../../../src/facade/circuit-breaker.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

const CALLS = 'circuit_breaker.call.duration';
const STATE = 'circuit_breaker.state';
const TRANSITIONS = 'circuit_breaker.transitions';
const RATE = 'circuit_breaker.failure_rate';
const NAME = { 'circuit_breaker.name': 'payments' };

let t: TestMetrics;
let circuitBreaker: CircuitBreakerFacade;

useTestMetrics((fresh) => {
  t = fresh;
  circuitBreaker = createCircuitBreakerFacade(fresh.core);
});

async function states(): Promise<Record<string, number | undefined>> {
  const read = (state: string) => t.getValue(STATE, { ...NAME, 'circuit_breaker.state': state });
  return { closed: await read('closed'), open: await read('open'), half_open: await read('half_open') };
}

const transitions = (from: string, to: string) =>
  t.getValue(TRANSITIONS, { ...NAME, 'circuit_breaker.from_state': from, 'circuit_breaker.to_state': to });

describe('circuitBreaker(name)', () => {
  it('exposes every transition series at 0 from the start, so the first transition is visible to increase()', async () => {
    circuitBreaker('payments');
    const pairs = [
      ['closed', 'open'],
      ['closed', 'half_open'],
      ['open', 'closed'],
      ['open', 'half_open'],
      ['half_open', 'closed'],
      ['half_open', 'open'],
    ];
    for (const [from, to] of pairs) expect(await transitions(from!, to!), `${from}->${to}`).toBe(0);
    circuitBreaker('payments').setState('closed');
    circuitBreaker('payments').setState('open');
    expect(await transitions('closed', 'open')).toBe(1);
    expect(await transitions('open', 'closed')).toBe(0);
  });

  it('returns the same handle for the same name', () => {
    expect(circuitBreaker('payments')).toBe(circuitBreaker('payments'));
    expect(circuitBreaker('payments').name).toBe('payments');
  });

  it('records calls by outcome with exact buckets; rejected and fallback default to 0 s', async () => {
    const cb = circuitBreaker('payments');
    cb.recordCall({ outcome: 'success', durationS: 0.02 });
    cb.recordCall({ outcome: 'success', durationS: 0.75 });
    cb.recordCall({ outcome: 'failure', durationS: 0.5 });
    cb.recordCall({ outcome: 'timeout', durationS: 30 });
    cb.recordCall({ outcome: 'rejected' });
    cb.recordCall({ outcome: 'fallback', durationS: 0.001 });
    const success = await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'success' });
    expect(success).toMatchObject({ count: 2, sum: 0.77 });
    // le: 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 30 +Inf
    expect(success?.buckets.map((b) => b.count)).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    expect(await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'failure' })).toMatchObject({ count: 1, sum: 0.5 });
    const timeout = await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'timeout' });
    expect(timeout?.buckets.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'rejected' })).toMatchObject({ count: 1, sum: 0 });
    expect(await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'fallback' })).toMatchObject({ count: 1, sum: 0.001 });
  });

  it('sets the failure rate from successes and failures (timeouts fail; rejections and fallbacks do not count)', async () => {
    const cb = circuitBreaker('payments');
    expect(cb.failureRate).toBeUndefined();
    cb.recordCall({ outcome: 'rejected' });
    expect(await t.getValue(RATE, NAME)).toBeUndefined();
    cb.recordCall({ outcome: 'success', durationS: 0.1 });
    expect(await t.getValue(RATE, NAME)).toBe(0);
    cb.recordCall({ outcome: 'failure', durationS: 0.1 });
    cb.recordCall({ outcome: 'timeout', durationS: 0.1 });
    cb.recordCall({ outcome: 'success', durationS: 0.1 });
    cb.recordCall({ outcome: 'fallback' });
    cb.recordCall({ outcome: 'rejected' });
    expect(await t.getValue(RATE, NAME)).toBe(0.5);
    expect(cb.failureRate).toBe(0.5);
  });

  it('keeps only the last maxCalls calls in the window (default 100)', async () => {
    const cb = circuitBreaker('payments');
    for (let i = 0; i < 100; i++) cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(1);
    for (let i = 0; i < 25; i++) cb.recordCall({ outcome: 'success', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(0.75);
  });

  it('forgets calls older than maxAgeS (default 60 s) using the injected clock', async () => {
    const cb = circuitBreaker('payments');
    cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    t.clock.advance(30);
    cb.recordCall({ outcome: 'success', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(2 / 3);
    t.clock.advance(31);
    cb.recordCall({ outcome: 'success', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(0);
  });

  it('takes a window per breaker on first creation', async () => {
    const cb = circuitBreaker('payments', { window: { maxCalls: 2 } });
    cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    cb.recordCall({ outcome: 'success', durationS: 0.01 });
    cb.recordCall({ outcome: 'success', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(0);
    expect(circuitBreaker('payments', { window: { maxCalls: 50 } })).toBe(cb);
  });

  it('track() times success and failure with the clock and passes results and errors through', async () => {
    const cb = circuitBreaker('payments');
    const value = await cb.track(async () => {
      t.clock.advance(0.25);
      return 'ok';
    });
    expect(value).toBe('ok');
    const err = new Error('503');
    await expect(
      cb.track(async () => {
        t.clock.advance(0.5);
        throw err;
      }),
    ).rejects.toBe(err);
    expect(() =>
      cb.track(() => {
        throw err;
      }),
    ).toThrow(err);
    expect(await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'success' })).toMatchObject({ count: 1, sum: 0.25 });
    expect(await t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': 'failure' })).toMatchObject({ count: 2, sum: 0.5 });
    expect(await t.getValue(RATE, NAME)).toBe(2 / 3);
  });
});

describe('setState', () => {
  it('writes all three series on the first call, without a transition', async () => {
    const cb = circuitBreaker('payments');
    expect(cb.state).toBeUndefined();
    cb.setState('closed');
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });
    expect(cb.state).toBe('closed');
    expect(await t.getValue(TRANSITIONS, { ...NAME, 'circuit_breaker.from_state': 'closed', 'circuit_breaker.to_state': 'closed' })).toBeUndefined();
  });

  it('is one-hot through closed -> open -> half_open -> closed, counting each change once', async () => {
    const cb = circuitBreaker('payments');
    cb.setState('closed');
    cb.setState('open');
    expect(await states()).toEqual({ closed: 0, open: 1, half_open: 0 });
    cb.setState('open'); // not a change
    cb.setState('half_open');
    expect(await states()).toEqual({ closed: 0, open: 0, half_open: 1 });
    cb.setState('open');
    cb.setState('half_open');
    cb.setState('closed');
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });
    expect(await transitions('closed', 'open')).toBe(1);
    expect(await transitions('open', 'half_open')).toBe(2);
    expect(await transitions('half_open', 'open')).toBe(1);
    expect(await transitions('half_open', 'closed')).toBe(1);
    expect(await transitions('open', 'open')).toBeUndefined();
  });

  it('ignores an unknown state from JavaScript callers', async () => {
    const cb = circuitBreaker('payments');
    cb.setState('closed');
    expect(() => cb.setState('broken' as 'open')).not.toThrow();
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });
    expect(cb.state).toBe('closed');
  });

  it('exposes an alertable open series in the scrape', async () => {
    circuitBreaker('payments').setState('open');
    const text = await t.scrapeText();
    // The `_ratio` unit suffix is the naming layer's business; the one-hot series is ours.
    expect(text).toMatch(/circuit_breaker_state\{circuit_breaker_name="payments",circuit_breaker_state="open"\} 1\n/);
    expect(text).toMatch(/circuit_breaker_state\{circuit_breaker_name="payments",circuit_breaker_state="closed"\} 0\n/);
  });
});
