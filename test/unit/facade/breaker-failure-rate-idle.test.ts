import CircuitBreaker from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instrumentOpossum } from '../../../instrumentation/opossum.js';
import { createCircuitBreakerFacade, type CircuitBreakerFacade } from '../../../src/facade/circuit-breaker.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

const RATE = 'circuit_breaker.failure_rate';
const NAME = { 'circuit_breaker.name': 'payments' };

let t: TestMetrics;
let circuitBreaker: CircuitBreakerFacade;

useTestMetrics((fresh) => {
  t = fresh;
  circuitBreaker = createCircuitBreakerFacade(fresh.core);
});

describe('circuit_breaker.failure_rate on an idle breaker', () => {
  it('drops to 0 once the 60 s window holds no calls, instead of holding its last value', async () => {
    const cb = circuitBreaker('payments');
    for (let i = 0; i < 2; i++) cb.recordCall({ outcome: 'success', durationS: 0.01 });
    for (let i = 0; i < 3; i++) cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(0.6);
    expect(cb.failureRate).toBe(0.6);

    t.clock.advance(60); // the calls are exactly 60 s old: still inside the window
    expect(await t.getValue(RATE, NAME)).toBe(0.6);

    t.clock.advance(60); // +120 s: the window is empty
    expect(await t.getValue(RATE, NAME)).toBe(0);
    expect(cb.failureRate).toBe(0);

    cb.recordCall({ outcome: 'failure', durationS: 0.01 });
    expect(await t.getValue(RATE, NAME)).toBe(1);
  });

  it('has no series before the first success or failure', async () => {
    circuitBreaker('payments').recordCall({ outcome: 'rejected' });
    t.clock.advance(120);
    expect(await t.getValue(RATE, NAME)).toBeUndefined();
    expect(circuitBreaker('payments').failureRate).toBeUndefined();
  });
});

describe('circuit_breaker.failure_rate through instrumentOpossum', () => {
  const breakers: CircuitBreaker[] = [];
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    for (const breaker of breakers.splice(0)) breaker.shutdown();
    vi.useRealTimers();
  });

  it("drops to 0 once opossum's rolling window (rollingCountTimeout) has passed without calls", async () => {
    const breaker = new CircuitBreaker(
      async (fail: boolean) => {
        if (fail) throw new Error('service down');
        return 'ok';
      },
      { name: 'payments', rollingCountTimeout: 10_000, volumeThreshold: 100 },
    );
    breakers.push(breaker);
    instrumentOpossum(breaker, { metrics: { circuitBreaker } });
    await Promise.allSettled([breaker.fire(false), breaker.fire(true), breaker.fire(true), breaker.fire(true)]);
    expect(await t.getValue(RATE, NAME)).toBe(0.75);

    t.clock.advance(10.5);
    expect(await t.getValue(RATE, NAME)).toBe(0);
  });
});
