import { metrics as otelMetrics } from '@opentelemetry/api';
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ScrapeServerError } from '../../src/server/server.js';
import { metrics } from '../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../src/start.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false } as const;

describe('start()', () => {
  test('binds a free port for port 0 and reports the URL it bound', async () => {
    handle = await start({ ...LOCAL, serviceName: 'start-test' });
    expect(handle.enabled).toBe(true);
    expect(handle.port).toBeGreaterThan(0);
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/metrics`);
    const response = await fetch(handle.url!);
    expect(response.status).toBe(200);
    const { samples } = parsePrometheusText(await response.text());
    const targetInfo = samples.find((s) => s.name === 'target_info');
    expect(targetInfo?.labels['service_name']).toBe('start-test');
    expect(targetInfo?.value).toBe(1);
  });

  test('moves instruments the default facade defined before start onto the new provider', async () => {
    const jobs = metrics.counter({ name: 'start_test.jobs', description: 'Jobs finished in the start test.', labels: ['queue'] });
    jobs.add(5, { queue: 'before' }); // no provider yet: a no-op, as OTel's API defines
    handle = await start(LOCAL);
    jobs.add(2, { queue: 'emails' });
    const { samples } = parsePrometheusText(await handle.scrape());
    expect(samples.filter((s) => s.name === 'start_test_jobs_total')).toEqual([
      { name: 'start_test_jobs_total', labels: { queue: 'emails' }, value: 2 },
    ]);
  });

  test('serves the same body over HTTP as scrape() returns', async () => {
    handle = await start(LOCAL);
    const overHttp = await (await fetch(handle.url!)).text();
    // The event-loop delay gauges report an interval only when it had a sample, and two
    // collections back to back may leave none between them: they are compared by presence elsewhere.
    const families = (text: string) => new Map([...parsePrometheusText(text).families].filter(([name]) => !name.startsWith('nodejs_eventloop_delay_')));
    expect(families(overHttp)).toEqual(families(await handle.scrape()));
  });

  test('stops listening and unregisters the global provider on shutdown', async () => {
    handle = await start(LOCAL);
    const url = handle.url!;
    expect(otelMetrics.getMeterProvider()).toBe(handle.meterProvider);
    await handle.shutdown();
    await handle.shutdown(); // idempotent
    await expect(fetch(url)).rejects.toThrow();
    expect(otelMetrics.getMeterProvider()).not.toBe(handle.meterProvider);
  });

  test('starts nothing when disabled', async () => {
    handle = await start({ ...LOCAL, disabled: true });
    expect(handle).toMatchObject({ enabled: false, url: undefined, port: undefined, meterProvider: undefined });
  });

  test('throws a ConfigError for a bad option before starting anything', async () => {
    await expect(start({ ...LOCAL, port: -1 })).rejects.toBeInstanceOf(ConfigError);
  });

  test('rejects a taken port with a ScrapeServerError that says what to set, and undoes the start', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const failure = start({ ...LOCAL, port });
      await expect(failure).rejects.toBeInstanceOf(ScrapeServerError);
      await expect(failure).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port (or 0 for any)`,
      );
      expect(otelMetrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('the resource', () => {
  test('names an unnamed service after the executable, not its full path', async () => {
    handle = await start(LOCAL);
    const { samples } = parsePrometheusText(await handle.scrape());
    const targetInfo = samples.find((s) => s.name === 'target_info');
    expect(targetInfo?.labels['service_name']).toBe(`unknown_service:${process.argv0.split('/').at(-1)}`);
    expect(targetInfo?.labels['telemetry_sdk_language']).toBe('nodejs');
  });
});

describe('a large scrape over HTTP', () => {
  test('streams the same text as scrape(), plain (chunked) and gzip', async () => {
    handle = await start({ ...LOCAL, runtimeMetrics: false, targetInfo: false });
    const requests = metrics.counter({ name: 'large_scrape.requests', description: 'Requests.', labels: ['tenant', 'shard'] });
    const latency = metrics.histogram({ name: 'large_scrape.latency', description: 'Latency.', unit: 's', buckets: 'http_duration', labels: ['tenant'] });
    for (let i = 0; i < 1500; i++) {
      requests.add(i + 1, { tenant: `t${i}`, shard: String(i % 7) });
      latency.record(i / 1000, { tenant: `t${i}` });
    }
    const expected = await handle.scrape();
    expect(expected.length).toBeGreaterThan(1 << 20); // more than one yield's worth of text
    const plain = await fetch(handle.url!, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('transfer-encoding')).toBe('chunked');
    expect(await plain.text()).toBe(expected);
    const zipped = await fetch(handle.url!, { headers: { 'accept-encoding': 'gzip' } }); // fetch decodes it
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toBe(expected);
  });
});
