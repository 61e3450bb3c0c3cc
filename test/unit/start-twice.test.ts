/** One promkit per process: a second start() joins the running one or refuses different options. */
import { metrics as otelMetrics } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { start, type PromkitHandle } from '../../src/start.js';

const handles: PromkitHandle[] = [];
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.shutdown();
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

async function started(options: Parameters<typeof start>[0]): Promise<PromkitHandle> {
  const handle = await start(options);
  handles.push(handle);
  return handle;
}

describe('start() while promkit runs', () => {
  test('with equal options returns the running handle: one provider, one endpoint', async () => {
    const first = await started({ ...LOCAL, serviceName: 'twice' });
    const second = await started({ ...LOCAL, serviceName: 'twice' });
    expect(second).toBe(first);
    expect(otelMetrics.getMeterProvider()).toBe(first.meterProvider);
  });

  test('two calls at once share one start', async () => {
    const [a, b] = await Promise.all([started(LOCAL), started({ ...LOCAL })]);
    expect(b).toBe(a);
  });

  test('with different options throws a ConfigError and leaves the running one serving', async () => {
    const first = await started(LOCAL);
    await expect(start({ ...LOCAL, serviceName: 'other' })).rejects.toThrow(
      new ConfigError('start', 'promkit is already running with other options; pass the same options, or call shutdown() on the running handle first'),
    );
    expect((await fetch(first.url!)).status).toBe(200);
    expect(otelMetrics.getMeterProvider()).toBe(first.meterProvider);
  });

  test('after shutdown a new start() starts afresh, and its provider stays registered', async () => {
    const first = await start(LOCAL);
    await first.shutdown();
    const second = await started({ ...LOCAL, serviceName: 'after' });
    expect(second).not.toBe(first);
    expect(otelMetrics.getMeterProvider()).toBe(second.meterProvider);
    expect((await fetch(second.url!)).status).toBe(200);
  });

  test('a start() issued while the running one shuts down waits for the shutdown, then starts', async () => {
    const first = await start(LOCAL);
    const stopping = first.shutdown();
    const second = await started({ ...LOCAL, serviceName: 'during' });
    await stopping;
    expect(second).not.toBe(first);
    expect(otelMetrics.getMeterProvider()).toBe(second.meterProvider);
  });
});
