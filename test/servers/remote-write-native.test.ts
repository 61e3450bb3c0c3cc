/**
 * A native-only histogram pushed by remote write into real stores, both ways
 * `push.remoteWrite.nativeHistograms` offers: as native histograms into Prometheus started with
 * `--enable-feature=native-histograms`, and as classic buckets derived from the exponential ones
 * into Prometheus and into VictoriaMetrics (whose 1.79 release ignores the `histograms` field).
 * Each store must return the exact count and sum of the values the test recorded, and
 * `histogram_quantile` within one bucket of the true quantile.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { metrics } from '../../src/facade/metrics.js';
import type { NativeHistogramsMode } from '../../src/push/series.js';
import { start } from '../../src/start.js';
import { startPrometheus, type InstantSample, type PrometheusServer } from '../helpers/prometheus-server.js';
import { startVictoriaMetrics, type VictoriaMetricsServer } from '../helpers/victoria-metrics-server.js';

let prometheus: PrometheusServer | undefined;
let victoria: VictoriaMetricsServer | undefined;

beforeAll(async () => {
  [prometheus, victoria] = await Promise.all([
    startPrometheus('global:\n  scrape_interval: 1h\n', { flags: ['--web.enable-remote-write-receiver'], features: ['native-histograms'] }),
    startVictoriaMetrics(),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), victoria?.stop()]);
});

/** 1000 values from 1 ms to 1 s, spread evenly on a log scale: the SDK settles on a fine schema. */
const VALUES = Array.from({ length: 1000 }, (_, i) => 0.001 * 1000 ** (i / 999));
const COUNT = VALUES.length;
const SUM = VALUES.reduce((a, b) => a + b, 0);
/** The true quantile: the value of rank ceil(q * n), as Prometheus's bucket ranks count. */
const trueQuantile = (q: number) => [...VALUES].sort((a, b) => a - b)[Math.ceil(q * COUNT) - 1]!;

interface Case {
  readonly store: 'prometheus' | 'victoria-metrics';
  readonly mode: NativeHistogramsMode;
}

const CASES: Case[] = [
  { store: 'prometheus', mode: 'native' },
  { store: 'prometheus', mode: 'classic' },
  { store: 'victoria-metrics', mode: 'classic' },
];

describe.each(CASES)('a native-only histogram pushed to $store as $mode', ({ store, mode }) => {
  test('comes back with the exact count and sum, and quantiles within one bucket', async () => {
    const server = store === 'prometheus' ? prometheus! : victoria!;
    const job = `native-${store}-${mode}`;
    const handle = await start({
      port: 0,
      serviceName: job,
      runtimeMetrics: false,
      instrumentHttp: false,
      instrumentFetch: false,
      push: { remoteWrite: { url: `${server.url}/api/v1/write`, intervalMillis: 3_600_000, nativeHistograms: mode } },
    });
    try {
      const name = `job.duration.${store.replace('-', '_')}.${mode}`;
      const histogram = metrics.histogram({ name, description: 'Job duration.', unit: 's', native: true });
      for (const value of VALUES) histogram.record(value);
      await handle.push();
      const family = `${name.replaceAll('.', '_')}_seconds`;
      const selector = `{job="${job}"}`;
      const one = async (expr: string): Promise<number | undefined> => {
        const result: InstantSample[] = await server.query(expr);
        return result[0]?.value;
      };
      const count = mode === 'native' ? `histogram_count(${family}${selector})` : `${family}_count${selector}`;
      const sum = mode === 'native' ? `histogram_sum(${family}${selector})` : `${family}_sum${selector}`;
      await expect.poll(() => one(count), { timeout: 30_000, interval: 500, message: server.log() }).toBe(COUNT);
      // 12 significant digits: VictoriaMetrics answers with no more.
      expect(Number((await one(sum))!.toPrecision(12))).toBe(Number(SUM.toPrecision(12)));

      for (const q of [0.5, 0.9, 0.99]) {
        const expr = mode === 'native' ? `histogram_quantile(${q}, ${family}${selector})` : `histogram_quantile(${q}, ${family}_bucket${selector})`;
        const estimate = (await one(expr))!;
        const truth = trueQuantile(q);
        // Within one bucket of the truth. 160 buckets (the SDK's maximum) hold 10 octaves at scale 3 or finer, so a bucket spans a factor of 2^(1/8) at most.
        const base = 2 ** (1 / 8);
        expect(estimate, `q=${q} estimate ${estimate} truth ${truth}`).toBeGreaterThan(truth / base);
        expect(estimate, `q=${q} estimate ${estimate} truth ${truth}`).toBeLessThanOrEqual(truth * base);
      }
    } finally {
      await handle.shutdown();
    }
  }, 60_000);
});
