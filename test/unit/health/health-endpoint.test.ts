import type { Attributes, Histogram } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import type { ComponentHealth, HealthReport } from '../../../src/health/report.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { createManualClock, type ManualClock } from '../../../src/testing/clock.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

async function health(): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(handle!.url!.replace(/\/metrics$/, '/metrics/health'));
  return { status: response.status, report: (await response.json()) as HealthReport };
}

function component(report: HealthReport, kind: string, name: string): ComponentHealth {
  const found = report.components.find((c) => c.kind === kind && c.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in ${JSON.stringify(report.components)}`);
  return found;
}

/** `ok` successful and `failed` failed calls of 20 ms each. */
function calls(histogram: Histogram, attributes: Attributes, ok: number, failed: number): void {
  for (let i = 0; i < ok; i++) histogram.record(0.02, attributes);
  for (let i = 0; i < failed; i++) histogram.record(0.02, { ...attributes, 'error.type': 'timeout' });
}

async function startWith(clock: ManualClock, health: { windowSeconds?: number; yellow?: number; red?: number } = {}) {
  handle = await start({ ...LOCAL, health: { windowSeconds: 60, ...health, clock } });
  return handle.meterProvider!.getMeter('health-test');
}

describe('/metrics/health', () => {
  test('goes green -> yellow -> red -> green as errors come and the window slides', async () => {
    const clock = createManualClock(0);
    const meter = await startWith(clock);
    const db = meter.createHistogram('db.client.operation.duration', { unit: 's' });
    const pg = { 'db.system.name': 'postgresql' };

    clock.set(5);
    calls(db, pg, 40, 0);
    let { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ schema: 'promkit.health/v2', status: 'green', windowSeconds: 60, observedSeconds: 5 });
    expect(component(report, 'db', 'postgresql')).toMatchObject({ status: 'green', calls: 40, errors: 0, successRatio: 1, errorRatio: 0 });

    clock.set(10);
    calls(db, pg, 55, 5); // 5 failures in 100 calls: exactly 5%
    ({ status, report } = await health());
    expect(status).toBe(200);
    expect(report.status).toBe('yellow');
    const yellow = component(report, 'db', 'postgresql');
    expect(yellow).toMatchObject({ status: 'yellow', calls: 100, errors: 5, reason: 'error ratio 0.05 >= 0.05 (5 of 100 calls)' });
    expect(yellow.errorRatio).toBeCloseTo(0.05, 12);
    expect(yellow.meanLatencySeconds).toBeCloseTo(0.02, 12);
    // All 100 in (0.01, 0.05]: histogram_quantile(0.99) = 0.01 + 0.04 * 99/100.
    expect(yellow.p99LatencySeconds).toBeCloseTo(0.0496, 12);

    clock.set(20);
    calls(db, pg, 80, 20); // 25 failures in 200 calls: 12.5%
    ({ status, report } = await health());
    // The database is not critical: red in its own row, yellow overall, still in rotation.
    expect(status).toBe(200);
    expect(report).toMatchObject({ status: 'yellow', healthy: true });
    expect(component(report, 'db', 'postgresql')).toMatchObject({ status: 'red', critical: false, calls: 200, errors: 25, errorRatio: 0.125 });

    // At 85 the window starts at 25: the snapshot taken at 20 is its baseline, so the failures
    // before it have slid out and only the 100 good calls since are left.
    clock.set(85);
    calls(db, pg, 100, 0);
    ({ status, report } = await health());
    expect(status).toBe(200);
    expect(report).toMatchObject({ status: 'green', observedSeconds: 65 });
    expect(component(report, 'db', 'postgresql')).toMatchObject({ status: 'green', calls: 100, errors: 0, errorRatio: 0 });
  });

  test('scrapes of /metrics feed the window too, so its baseline is the last collection before the window', async () => {
    const clock = createManualClock(0);
    const meter = await startWith(clock);
    const llm = meter.createHistogram('gen_ai.client.operation.duration', { unit: 's' });
    const gpt = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat' };
    calls(llm, gpt, 0, 30);
    clock.set(30);
    await fetch(handle!.url!); // a Prometheus scrape at 30 s
    calls(llm, gpt, 10, 0);
    clock.set(100); // window [40, 100]: baseline is the scrape at 30
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(component(report, 'llm', 'openai/gpt-4o')).toMatchObject({ status: 'green', calls: 10, errors: 0 });
    expect(report.observedSeconds).toBe(70);
  });

  test('an open critical breaker is red whatever its error ratio, and makes the service unhealthy', async () => {
    const clock = createManualClock(0);
    const meter = await startWith(clock);
    const state = meter.createGauge('circuit_breaker.state', { unit: '{state}' });
    for (const s of ['closed', 'open', 'half_open']) state.record(s === 'open' ? 1 : 0, { 'circuit_breaker.name': 'payments', 'circuit_breaker.state': s });
    meter.createGauge('circuit_breaker.critical', { unit: '{breaker}' }).record(1, { 'circuit_breaker.name': 'payments' });
    const breakerCalls = meter.createHistogram('circuit_breaker.call.duration', { unit: 's' });
    breakerCalls.record(0.02, { 'circuit_breaker.name': 'payments', 'circuit_breaker.outcome': 'success' });
    breakerCalls.record(0, { 'circuit_breaker.name': 'payments', 'circuit_breaker.outcome': 'rejected' });
    const cache = meter.createCounter('cache.hits', { unit: '{request}' });
    cache.add(3, { 'cache.name': 'users', 'cache.operation': 'get' });
    meter.createCounter('cache.misses', { unit: '{request}' }).add(1, { 'cache.name': 'users', 'cache.operation': 'get' });
    clock.set(1);
    const { status, report } = await health();
    expect(status).toBe(503);
    expect(report).toMatchObject({ status: 'red', healthy: false });
    expect(component(report, 'circuit_breaker', 'payments')).toMatchObject({
      status: 'red',
      critical: true,
      reason: 'breaker open',
      breakerState: 'open',
      calls: 1,
      errors: 0,
    });
    expect(component(report, 'cache', 'users')).toMatchObject({ status: 'green', calls: 4, hitRatio: 0.75 });
  });

  test('thresholds are configurable', async () => {
    const clock = createManualClock(0);
    const meter = await startWith(clock, { yellow: 0.01, red: 0.02 });
    const server = meter.createHistogram('http.server.request.duration', { unit: 's' });
    calls(server, { 'http.request.method': 'GET', 'http.route': '/users/:id' }, 97, 3);
    clock.set(1);
    const { status, report } = await health();
    expect(status).toBe(503);
    expect(report.thresholds).toEqual({ yellow: 0.01, red: 0.02, minCalls: 20 });
    expect(component(report, 'http_route', 'GET /users/:id')).toMatchObject({ status: 'red', reason: 'error ratio 0.03 > 0.02 (3 of 100 calls)' });
  });

  test('is green with no components at all', async () => {
    handle = await start({ ...LOCAL, health: { clock: createManualClock(0) } });
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({
      status: 'green',
      healthy: true,
      httpErrorRatio: null,
      windowSeconds: 300,
      thresholds: { yellow: 0.05, red: 0.1, minCalls: 20 },
      components: [],
    });
  });
});
