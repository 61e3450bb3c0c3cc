import type { Histogram } from '@opentelemetry/api';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { resolveConfig, type StartOptions } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import type { ComponentHealth, HealthReport } from '../../../src/health/report.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { createManualClock, type ManualClock } from '../../../src/testing/clock.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

async function startWith(clock: ManualClock, options: StartOptions = {}): Promise<Histogram> {
  handle = await start({ ...LOCAL, ...options, health: { windowSeconds: 300, ...options.health, clock } });
  return handle.meterProvider!.getMeter('health-test').createHistogram('http.server.request.duration', { unit: 's' });
}

async function health(): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(handle!.url!.replace(/\/metrics$/, '/metrics/health'));
  return { status: response.status, report: (await response.json()) as HealthReport };
}

function component(report: HealthReport, kind: string, name: string): ComponentHealth {
  const found = report.components.find((c) => c.kind === kind && c.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in ${JSON.stringify(report.components)}`);
  return found;
}

/** `count` requests of 20 ms answered with `status`. */
function requests(server: Histogram, method: string, route: string, status: number, count: number): void {
  const attributes = { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status };
  const labels = status >= 500 ? { ...attributes, 'error.type': String(status) } : attributes;
  for (let i = 0; i < count; i++) server.record(0.02, labels);
}

describe('/metrics/health minimum volume', () => {
  test('one 500 on a rare route in 1,001 requests stays green and in rotation', async () => {
    const clock = createManualClock(0);
    const server = await startWith(clock);
    requests(server, 'GET', '/users/:id', 200, 1000);
    requests(server, 'POST', '/admin/reindex', 500, 1);
    clock.set(10);
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ healthy: true, status: 'green', httpErrorRatio: 1 / 1001 });
    expect(component(report, 'http_route', 'POST /admin/reindex')).toMatchObject({
      status: 'green',
      reason: '1 error in 1 calls, below minCalls 20',
      calls: 1,
      errors: 1,
      errorRatio: 1,
    });
    expect(component(report, 'http_server', 'all routes')).toMatchObject({
      status: 'green',
      critical: true,
      reason: null,
      calls: 1001,
      errors: 1,
      errorRatio: 1 / 1001,
    });
  });

  test('11% server errors over 200 requests is red: unhealthy, 503, and says why', async () => {
    const clock = createManualClock(0);
    const server = await startWith(clock);
    requests(server, 'GET', '/users/:id', 200, 178);
    requests(server, 'GET', '/users/:id', 503, 22);
    clock.set(10);
    const { status, report } = await health();
    expect(status).toBe(503);
    expect(report).toMatchObject({ healthy: false, status: 'red', httpErrorRatio: 0.11 });
    expect(component(report, 'http_server', 'all routes')).toMatchObject({
      status: 'red',
      critical: true,
      reason: 'error ratio 0.11 > 0.1 (22 of 200 calls)',
      calls: 200,
      errors: 22,
      errorRatio: 0.11,
    });
  });

  test('returns to green once the window has emptied', async () => {
    const clock = createManualClock(0);
    const server = await startWith(clock, { health: { windowSeconds: 60 } });
    requests(server, 'GET', '/users/:id', 500, 40);
    clock.set(10);
    expect((await health()).status).toBe(503);
    clock.set(75); // window [15, 75]: its baseline is the collection at 10, after every request
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ healthy: true, status: 'green', httpErrorRatio: null });
    expect(component(report, 'http_server', 'all routes')).toMatchObject({ status: 'green', calls: 0, errors: 0, errorRatio: null });
  });

  test('counts 5xx responses, not requests the client aborted', async () => {
    const clock = createManualClock(0);
    const server = await startWith(clock);
    const aborted = { 'http.request.method': 'GET', 'http.route': '/stream', 'http.response.status_code': 200, 'error.type': 'aborted' };
    for (let i = 0; i < 50; i++) server.record(0.02, aborted);
    clock.set(10);
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(component(report, 'http_server', 'all routes')).toMatchObject({ status: 'green', calls: 50, errors: 0 });
  });

  test('minCalls comes from PROMKIT_HEALTH_MIN_CALLS, and the window from PROMKIT_HEALTH_WINDOW_SECONDS', async () => {
    vi.stubEnv('PROMKIT_HEALTH_MIN_CALLS', '5');
    vi.stubEnv('PROMKIT_HEALTH_WINDOW_SECONDS', '120');
    const clock = createManualClock(0);
    handle = await start({ ...LOCAL, health: { clock } });
    const server = handle.meterProvider!.getMeter('health-test').createHistogram('http.server.request.duration', { unit: 's' });
    requests(server, 'GET', '/users/:id', 200, 3);
    requests(server, 'GET', '/users/:id', 500, 2);
    clock.set(10);
    const { status, report } = await health();
    expect(status).toBe(503);
    expect(report).toMatchObject({ windowSeconds: 120, thresholds: { minCalls: 5 } });
    expect(component(report, 'http_server', 'all routes')).toMatchObject({ status: 'red', reason: 'error ratio 0.4 > 0.1 (2 of 5 calls)' });
  });

  test('the same five requests stay green under the default minCalls of 20', async () => {
    const clock = createManualClock(0);
    const server = await startWith(clock);
    requests(server, 'GET', '/users/:id', 200, 3);
    requests(server, 'GET', '/users/:id', 500, 2);
    clock.set(10);
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(component(report, 'http_server', 'all routes')).toMatchObject({
      status: 'green',
      reason: '2 errors in 5 calls, below minCalls 20',
    });
  });
});

describe('/metrics/health criticality', () => {
  test("an optional dependency's open breaker makes the service yellow, not 503", async () => {
    const clock = createManualClock(0);
    await startWith(clock);
    const facade = createMetrics({ meterProvider: handle!.meterProvider!, meterName: 'health-test', clock });
    facade.circuitBreaker('recommendations').setState('open');
    clock.set(1);
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ healthy: true, status: 'yellow' });
    expect(component(report, 'circuit_breaker', 'recommendations')).toMatchObject({
      status: 'red',
      critical: false,
      reason: 'breaker open',
      breakerState: 'open',
    });
  });

  test('an open breaker marked critical makes the service unhealthy (503)', async () => {
    const clock = createManualClock(0);
    await startWith(clock);
    const facade = createMetrics({ meterProvider: handle!.meterProvider!, meterName: 'health-test', clock });
    facade.circuitBreaker('payments', { critical: true }).setState('closed');
    facade.circuitBreaker('recommendations').setState('closed');
    clock.set(1);
    expect((await health()).status).toBe(200);

    facade.circuitBreaker('payments').setState('open');
    clock.set(2);
    const { status, report } = await health();
    expect(status).toBe(503);
    expect(report).toMatchObject({ healthy: false, status: 'red' });
    expect(component(report, 'circuit_breaker', 'payments')).toMatchObject({ status: 'red', critical: true, reason: 'breaker open' });
    expect(component(report, 'circuit_breaker', 'recommendations')).toMatchObject({ status: 'green', critical: false });
  });

  test('a red LLM provider or database only degrades to yellow', async () => {
    const clock = createManualClock(0);
    await startWith(clock);
    const db = handle!.meterProvider!.getMeter('health-test').createHistogram('db.client.operation.duration', { unit: 's' });
    for (let i = 0; i < 30; i++) db.record(0.01, { 'db.system.name': 'postgresql', 'error.type': 'timeout' });
    clock.set(1);
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ healthy: true, status: 'yellow' });
    expect(component(report, 'db', 'postgresql')).toMatchObject({ status: 'red', critical: false, errors: 30, errorRatio: 1 });
  });
});

describe('health settings from the environment', () => {
  test('reads PROMKIT_HEALTH_MIN_CALLS and PROMKIT_HEALTH_WINDOW_SECONDS; options win', () => {
    const env = { PROMKIT_HEALTH_MIN_CALLS: '50', PROMKIT_HEALTH_WINDOW_SECONDS: '600' };
    expect(resolveConfig({}, env).health).toEqual({ windowSeconds: 600, minCalls: 50, yellow: 0.05, red: 0.1 });
    expect(resolveConfig({ health: { minCalls: 0, windowSeconds: 60 } }, env).health).toMatchObject({ windowSeconds: 60, minCalls: 0 });
  });

  test('a bad value names the variable it came from', () => {
    expect(() => resolveConfig({}, { PROMKIT_HEALTH_MIN_CALLS: 'many' })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { PROMKIT_HEALTH_MIN_CALLS: 'many' })).toThrow(/PROMKIT_HEALTH_MIN_CALLS.*"many" is not a number/);
    expect(() => resolveConfig({}, { PROMKIT_HEALTH_MIN_CALLS: '2.5' })).toThrow(/PROMKIT_HEALTH_MIN_CALLS.*whole number/);
    expect(() => resolveConfig({}, { PROMKIT_HEALTH_WINDOW_SECONDS: '0' })).toThrow(/PROMKIT_HEALTH_WINDOW_SECONDS.*positive/);
    expect(() => resolveConfig({ health: { minCalls: -1 } }, {})).toThrow(/health\.minCalls/);
  });
});
