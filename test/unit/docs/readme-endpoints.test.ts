// README "Endpoints": `?name=` takes metric names, not component names; the example query in the
// README is the one this test sends.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import type { MetricsSnapshot } from '../../../src/exposition/json.js';
import { metrics } from '../../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../../src/start.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const endpoints = README.slice(README.indexOf('## Endpoints'), README.indexOf('### Formats'));

async function json(query: string): Promise<string[]> {
  const body = (await (await fetch(handle!.url!.replace(/\/metrics$/, `/metrics/json${query}`))).json()) as MetricsSnapshot;
  return body.metrics.map((metric) => metric.name).sort();
}

describe('README, Endpoints: ?name=', () => {
  test('says it takes metric names, and its example query returns exactly those metrics', async () => {
    expect(endpoints).not.toContain("one component's series");
    const example = /`(\?name=[^`]+)`/.exec(endpoints)?.[1];
    expect(example).toBe('?name=http.server.request.duration&name=cache.hits');
    handle = await start({ host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false });
    metrics.http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.01 });
    metrics.cache('sessions').hit();
    metrics.circuitBreaker('pricing').recordCall({ outcome: 'success', durationS: 0.1 });
    expect(await json(example!)).toEqual(['cache.hits', 'http.server.request.duration']);
    // The Prometheus spelling of the same metrics.
    expect(await json('?name=http_server_request_duration_seconds&name=cache_hits_total')).toEqual(['cache.hits', 'http.server.request.duration']);
    // A component's name (as /metrics/health lists it) is not a metric name: nothing matches.
    expect(await json('?name=pricing')).toEqual([]);
  });
});
