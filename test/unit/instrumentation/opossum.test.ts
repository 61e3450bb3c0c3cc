import { diag, DiagLogLevel } from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instrumentOpossum } from '../../../instrumentation/opossum.js';
import { createCircuitBreakerFacade, type CircuitBreakerFacade } from '../../../src/facade/circuit-breaker.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

const CALLS = 'circuit_breaker.call.duration';
const NAME = { 'circuit_breaker.name': 'payments' };
const EVENTS = ['success', 'failure', 'timeout', 'reject', 'fallback', 'open', 'halfOpen', 'close'] as const;

let t: TestMetrics;
let facade: CircuitBreakerFacade;
const breakers: CircuitBreaker[] = [];

// Fake timers drive opossum's resetTimeout, its timeouts and Date.now-based latencies exactly.
beforeEach(() => {
  vi.useFakeTimers();
  t = createTestMetrics();
  facade = createCircuitBreakerFacade(t.core);
});
afterEach(async () => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
  vi.useRealTimers();
  await t.shutdown();
});

/** An action that takes `ms` of (fake) time and fails while `state.failing`. */
function service(state: { failing: boolean }) {
  return async (ms: number): Promise<string> => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (state.failing) throw new Error('service down');
    return 'ok';
  };
}

function breakerFor(action: (ms: number) => Promise<string>, options: CircuitBreaker.Options = {}) {
  const breaker = new CircuitBreaker(action, {
    name: 'payments',
    volumeThreshold: 2,
    errorThresholdPercentage: 50,
    resetTimeout: 100,
    timeout: 1000,
    ...options,
  });
  breakers.push(breaker);
  return breaker;
}

/** Fires and lets fake time run `ms` so the action settles; returns the settled outcome. */
async function fire(breaker: CircuitBreaker<[number], string>, ms: number): Promise<PromiseSettledResult<string>> {
  const settled = Promise.allSettled([breaker.fire(ms)]);
  await vi.advanceTimersByTimeAsync(ms);
  const [result] = await settled;
  if (result === undefined) throw new Error('unreachable');
  return result;
}

async function states() {
  const read = (state: string) => t.getValue('circuit_breaker.state', { ...NAME, 'circuit_breaker.state': state });
  return { closed: await read('closed'), open: await read('open'), half_open: await read('half_open') };
}
const RATE = 'circuit_breaker.failure_rate';
const transitions = (from: string, to: string) =>
  t.getValue('circuit_breaker.transitions', { ...NAME, 'circuit_breaker.from_state': from, 'circuit_breaker.to_state': to });
const calls = (outcome: string) => t.getHistogram(CALLS, { ...NAME, 'circuit_breaker.outcome': outcome });

describe('instrumentOpossum', () => {
  it('follows a real breaker closed -> open -> half-open -> closed', async () => {
    const state = { failing: false };
    const breaker = breakerFor(service(state));
    instrumentOpossum(breaker, { metrics: { circuitBreaker: facade } });
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });

    expect(await fire(breaker, 20)).toMatchObject({ status: 'fulfilled', value: 'ok' });
    expect(await calls('success')).toMatchObject({ count: 1, sum: 0.02 });

    state.failing = true;
    await fire(breaker, 40);
    expect(breaker.opened).toBe(false); // 1 of 2 calls failed: 50% is not above the threshold
    await fire(breaker, 40);
    expect(breaker.opened).toBe(true);
    expect(await states()).toEqual({ closed: 0, open: 1, half_open: 0 });
    expect(await transitions('closed', 'open')).toBe(1);
    expect(await calls('failure')).toMatchObject({ count: 2, sum: 0.08 });

    const rejected = await fire(breaker, 0);
    expect(rejected).toMatchObject({ status: 'rejected', reason: { code: 'EOPENBREAKER' } });
    expect(await calls('rejected')).toMatchObject({ count: 1, sum: 0 });

    await vi.advanceTimersByTimeAsync(100);
    expect(breaker.halfOpen).toBe(true);
    expect(await states()).toEqual({ closed: 0, open: 0, half_open: 1 });
    expect(await transitions('open', 'half_open')).toBe(1);

    state.failing = false;
    expect(await fire(breaker, 10)).toMatchObject({ status: 'fulfilled' });
    expect(breaker.closed).toBe(true);
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });
    expect(await transitions('half_open', 'closed')).toBe(1);
    expect(await calls('success')).toMatchObject({ count: 2, sum: 0.03 });
    // success, failure, failure, success: rejections are not in the rate.
    expect(await t.getValue('circuit_breaker.failure_rate', NAME)).toBe(0.5);
  });

  it('counts a timeout once, as timeout, with opossum latency', async () => {
    const breaker = breakerFor(service({ failing: false }), { timeout: 50 });
    instrumentOpossum(breaker, { metrics: { circuitBreaker: facade } });
    const result = await fire(breaker, 50);
    expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ETIMEDOUT' } });
    await vi.advanceTimersByTimeAsync(50); // let the abandoned action finish
    expect(await calls('timeout')).toMatchObject({ count: 1, sum: 0.05 });
    expect(await calls('failure')).toBeUndefined();
    expect(await t.getValue('circuit_breaker.failure_rate', NAME)).toBe(1);
  });

  it('counts a fallback in addition to the failure that triggered it', async () => {
    const breaker = breakerFor(service({ failing: true }), { volumeThreshold: 100 });
    breaker.fallback(() => 'cached');
    instrumentOpossum(breaker, { metrics: { circuitBreaker: facade } });
    expect(await fire(breaker, 30)).toMatchObject({ status: 'fulfilled', value: 'cached' });
    expect(await calls('failure')).toMatchObject({ count: 1, sum: 0.03 });
    expect(await calls('fallback')).toMatchObject({ count: 1, sum: 0 });
  });

  it("computes the failure-rate gauge over the breaker's own rolling window", async () => {
    const state = { failing: true };
    const breaker = breakerFor(service(state), { rollingCountTimeout: 2000, volumeThreshold: 10 });
    instrumentOpossum(breaker, { metrics: { circuitBreaker: facade } });
    await fire(breaker, 10);
    expect(await t.getValue(RATE, NAME)).toBe(1);
    t.clock.advance(3); // past opossum's 2 s window: that failure no longer counts
    state.failing = false;
    await fire(breaker, 10);
    expect(await t.getValue(RATE, NAME)).toBe(0);
  });

  it('takes the initial state from the breaker and an explicit name, recording into a full facade', async () => {
    const breaker = breakerFor(service({ failing: false }));
    breaker.open();
    instrumentOpossum(breaker, { name: 'ledger', metrics: createMetrics({ meterProvider: t.meterProvider, clock: t.clock }) });
    const read = (s: string) => t.getValue('circuit_breaker.state', { 'circuit_breaker.name': 'ledger', 'circuit_breaker.state': s });
    expect([await read('closed'), await read('open'), await read('half_open')]).toEqual([0, 1, 0]);
    expect(await t.getValue('circuit_breaker.state', { ...NAME, 'circuit_breaker.state': 'open' })).toBeUndefined();
  });

  it('warns when it falls back to a generated (UUID) breaker name', () => {
    const warn = vi.fn();
    diag.setLogger({ warn, error: vi.fn(), info: vi.fn(), debug: vi.fn(), verbose: vi.fn() }, DiagLogLevel.WARN);
    try {
      const anonymous = new CircuitBreaker(async () => 'ok');
      breakers.push(anonymous);
      instrumentOpossum(anonymous, { metrics: { circuitBreaker: facade } });
      instrumentOpossum(breakerFor(service({ failing: false })), { metrics: { circuitBreaker: facade } });
    } finally {
      diag.disable();
    }
    const generated = warn.mock.calls.filter(([message]) => String(message).includes('generated name'));
    expect(generated).toHaveLength(1);
  });

  it('dispose() removes every listener it added and stops recording', async () => {
    const breaker = breakerFor(service({ failing: false }));
    const before = EVENTS.map((event) => breaker.listenerCount(event));
    const dispose = instrumentOpossum(breaker, { metrics: { circuitBreaker: facade } });
    expect(EVENTS.map((event) => breaker.listenerCount(event))).toEqual(before.map((n) => n + 1));
    await fire(breaker, 10);
    dispose();
    dispose();
    expect(EVENTS.map((event) => breaker.listenerCount(event))).toEqual(before);
    await fire(breaker, 10);
    breaker.open();
    expect(await calls('success')).toMatchObject({ count: 1 });
    expect(await states()).toEqual({ closed: 1, open: 0, half_open: 0 });
  });
});
