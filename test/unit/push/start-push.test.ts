import { afterEach, describe, expect, test } from 'vitest';
import { start, type PromkitHandle } from '../../../src/start.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';
import { freePort } from '../../helpers/prometheus-server.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const QUIET = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false, quiet: true } as const;

describe('start() with push', () => {
  test('a receiver that is down costs a bounded queue; promkit_push_dropped_total counts the samples given up', async () => {
    const down = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    handle = await start({ ...QUIET, push: { remoteWrite: { url: down, maxQueuedRequests: 2, intervalMillis: 3_600_000, timeoutMillis: 200 } } });
    handle.meterProvider!.getMeter('test').createCounter('jobs.done').add(1);
    // Each push holds target_info and jobs_done_total (2 samples); from the fourth on, also the drop counter (3).
    // Queue of 2: pushes 3, 4 and 5 drop pushes 1, 2 and 3, of 2 samples each.
    for (let i = 0; i < 5; i++) await handle.push();
    const dropped = parsePrometheusText(await handle.scrape()).samples.filter((s) => s.name === 'promkit_push_dropped_total');
    expect(dropped).toEqual([
      { name: 'promkit_push_dropped_total', labels: { promkit_push_destination: 'remote_write', promkit_reason: 'queue_full' }, value: 6 },
    ]);
  });

  test('without the prometheus exporter no port is bound, and scrape() still answers', async () => {
    handle = await start({ ...QUIET, metricsExporters: ['none'] });
    expect(handle.url).toBeUndefined();
    expect(handle.port).toBeUndefined();
    expect(parsePrometheusText(await handle.scrape()).samples.map((s) => s.name)).toContain('target_info');
  });
});
