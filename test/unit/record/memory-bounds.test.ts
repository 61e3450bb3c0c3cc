/**
 * Handles memoised by a caller's name (caches, breakers, pools, cache operations) are bounded by
 * the cardinality limit: past it, new names share one handle that records into the
 * `otel_metric_overflow="true"` series, so memory stops growing with the number of names.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';
import { ROOT } from '../../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../../helpers/parse-prometheus.js';

const LIMIT = 4;
let t: TestMetrics;

afterEach(async () => {
  await t.shutdown();
});

async function samples(name: string): Promise<Sample[]> {
  return parsePrometheusText(await t.scrapeText()).samples.filter((s) => s.name === name);
}

const overflow = { otel_metric_overflow: 'true' };

describe('names past the cardinality limit go to the overflow series', () => {
  test('cache #limit gets the shared overflow handle; its hits count in the overflow series', async () => {
    t = createTestMetrics({ cardinalityLimit: LIMIT });
    for (const name of ['a', 'b', 'c']) t.metrics.cache(name).hit();
    const spilled = t.metrics.cache('d');
    expect(spilled.name).toBe('otel.metric.overflow');
    expect(t.metrics.cache('e')).toBe(spilled);
    expect(t.metrics.cache('a').name).toBe('a');
    spilled.hit();
    t.metrics.cache('e').hit('set');
    const hits = await samples('cache_hits_total');
    expect(hits).toEqual([
      { name: 'cache_hits_total', labels: { cache_name: 'a', cache_operation: 'get' }, value: 1 },
      { name: 'cache_hits_total', labels: { cache_name: 'b', cache_operation: 'get' }, value: 1 },
      { name: 'cache_hits_total', labels: { cache_name: 'c', cache_operation: 'get' }, value: 1 },
      { name: 'cache_hits_total', labels: overflow, value: 2 },
    ]);
  });

  test('cache operations share one budget across caches; operation #limit goes to the overflow series', async () => {
    t = createTestMetrics({ cardinalityLimit: LIMIT });
    t.metrics.cache('x').hit('get');
    t.metrics.cache('y').hit('get');
    t.metrics.cache('y').hit('set');
    t.metrics.cache('x').hit('delete');
    t.metrics.cache('x').hit('get');
    expect((await samples('cache_hits_total')).map((s) => [s.labels, s.value])).toEqual([
      [{ cache_name: 'x', cache_operation: 'get' }, 2],
      [{ cache_name: 'y', cache_operation: 'get' }, 1],
      [{ cache_name: 'y', cache_operation: 'set' }, 1],
      [overflow, 1],
    ]);
  });

  test('circuit breaker #limit records calls and transitions into the overflow series', async () => {
    t = createTestMetrics({ cardinalityLimit: LIMIT });
    for (const name of ['a', 'b', 'c']) t.metrics.circuitBreaker(name).recordCall({ outcome: 'success', durationS: 0.1 });
    const spilled = t.metrics.circuitBreaker('d');
    expect(spilled.name).toBe('otel.metric.overflow');
    expect(t.metrics.circuitBreaker('e')).toBe(spilled);
    spilled.recordCall({ outcome: 'failure', durationS: 0.2 });
    spilled.setState('closed');
    spilled.setState('open');
    const counts = await samples('circuit_breaker_call_duration_seconds_count');
    expect(counts.map((s) => [s.labels, s.value])).toEqual([
      [{ circuit_breaker_name: 'a', circuit_breaker_outcome: 'success' }, 1],
      [{ circuit_breaker_name: 'b', circuit_breaker_outcome: 'success' }, 1],
      [{ circuit_breaker_name: 'c', circuit_breaker_outcome: 'success' }, 1],
      [overflow, 1],
    ]);
    // A failure rate of many breakers mixed would read as one breaker's: the overflow handle has none.
    expect((await samples('circuit_breaker_failure_rate_ratio')).map((s) => s.labels)).toEqual([
      { circuit_breaker_name: 'a' },
      { circuit_breaker_name: 'b' },
      { circuit_breaker_name: 'c' },
    ]);
  });

  test('db pool #limit gets the shared overflow handle', async () => {
    t = createTestMetrics({ cardinalityLimit: LIMIT });
    for (const name of ['a', 'b', 'c']) t.metrics.db.pool(name).timeout();
    const spilled = t.metrics.db.pool('d');
    expect(spilled.name).toBe('otel.metric.overflow');
    spilled.timeout();
    t.metrics.db.pool('e').timeout();
    const timeouts = await samples('db_client_connection_timeouts_total');
    expect(timeouts.map((s) => [s.labels, s.value])).toEqual([
      [{ db_client_connection_pool_name: 'a' }, 1],
      [{ db_client_connection_pool_name: 'b' }, 1],
      [{ db_client_connection_pool_name: 'c' }, 1],
      [overflow, 2],
    ]);
  });
});

/** Bytes of heap each kind of handle grew by for `names` distinct names, after GC, in a fresh process. */
function heapGrowth(names: number, limit: number): Record<string, number> {
  const result = spawnSync(process.execPath, ['--expose-gc', 'test/fixtures/memory-per-name.mjs', String(names), String(limit)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`memory fixture failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, number>;
}

describe('heap after GC does not grow with the number of distinct names', () => {
  test('100k names cost less than 3x what 1k names cost (limit 1000)', () => {
    const small = heapGrowth(1_000, 1_000);
    const large = heapGrowth(100_000, 1_000);
    expect(Object.keys(large)).toEqual(['cache', 'circuitBreaker', 'cacheOperation', 'dbPool']);
    // Without the bound, 100k names cost 35-60x what 1k cost (about 1.2 KB per cache, 2.5 KB per breaker).
    const slackBytes = 2 * 1024 * 1024;
    for (const kind of Object.keys(large)) {
      expect(large[kind], `${kind}: 100k names vs ${small[kind]} bytes for 1k`).toBeLessThan(3 * (small[kind] ?? 0) + slackBytes);
    }
  }, 60_000);
});
