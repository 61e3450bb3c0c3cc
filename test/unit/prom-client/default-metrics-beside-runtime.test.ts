import { afterEach, describe, expect, test } from 'vitest';
import { collectDefaultMetrics, register } from '../../../src/prom-client/index.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { setWarningWriter } from '../../../src/warnings.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
let restore: (() => void) | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  restore?.();
  // collectDefaultMetrics() twice on one registry throws, in prom-client too.
  register.clear();
});

describe("prom-client's collectDefaultMetrics() beside promkit's runtime metrics", () => {
  test.each(['otel', 'both'] as const)(
    "runtimeMetrics %s: process_start_time_seconds is promkit's one series, with no name_collision drop or warning",
    async (runtimeMetrics) => {
      const lines: string[] = [];
      restore = setWarningWriter((line) => void lines.push(line));
      handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, quiet: false, runtimeMetrics });
      collectDefaultMetrics();
      const { samples, families } = parsePrometheusText(await handle.scrape());
      const startTimes = samples.filter((s) => s.name === 'process_start_time_seconds');
      expect(startTimes).toHaveLength(1);
      expect(startTimes[0]!.value).toBeCloseTo(performance.timeOrigin / 1000, 3);
      // promkit's description, not prom-client's: promkit's runtime set wins.
      expect(families.get('process_start_time_seconds')?.help).toBe('Start time of the process since the Unix epoch.');
      expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
      expect(samples.filter((s) => s.name === 'promkit_measurements_dropped_total')).toEqual([]);
      expect(lines.filter((line) => line.includes('name_collision') || line.includes('keeping the first'))).toEqual([]);
    },
  );

  test("runtimeMetrics 'prom-client' alone keeps prom-client's own process_start_time_seconds", async () => {
    handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: 'prom-client' });
    const { families } = parsePrometheusText(await handle.scrape());
    expect(families.get('process_start_time_seconds')?.help).toBe('Start time of the process since unix epoch in seconds.');
  });
});
