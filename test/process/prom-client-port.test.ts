import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText, type ParsedExposition, type Sample } from '../helpers/parse-prometheus.js';

const ORIGINAL = 'test/fixtures/prom-client-app.mjs';
const PORTED = 'test/fixtures/prom-client-app-promkit.mjs';

const apps: AppProcess[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

/** The original runs on prom-client alone: no promkit preload. */
async function startOriginal(): Promise<AppProcess> {
  const child = spawn(process.execPath, [ORIGINAL], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const appPort = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`original app exited with ${code}`)));
  });
  const app: AppProcess = {
    child,
    appPort,
    scrapeUrl: undefined,
    stderr: () => '',
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
  apps.push(app);
  return app;
}

/** The same known requests for both apps, in sequence, then the app's own /metrics. */
async function driveAndScrape(port: number): Promise<ParsedExposition> {
  const requests: Array<[string, string, number]> = [
    ['GET', '/orders/1', 5],
    ['GET', '/orders/2', 2],
    ['POST', '/orders', 3],
    ['GET', '/missing', 1],
    ['GET', '/boom', 1],
  ];
  for (const [method, path, count] of requests) {
    for (let i = 0; i < count; i++) await (await fetch(`http://127.0.0.1:${port}${path}`, { method })).text();
  }
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await response.text());
}

const APP_FAMILIES = ['http_request_duration_seconds', 'http_requests_total', 'orders_in_queue', 'orders_created_total'];

function familyOf(sample: Sample, families: ParsedExposition['families']): string {
  if (families.has(sample.name)) return sample.name;
  return sample.name.replace(/_(bucket|sum|count)$/, '');
}

/** `name{labels}` for every series of `family`, sorted. */
function seriesOf(exposition: ParsedExposition, family: string): string[] {
  return exposition.samples
    .filter((s) => familyOf(s, exposition.families) === family)
    .map((s) => `${s.name}{${Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`)
    .sort();
}

/** Values that must be equal: counters, the gauge, histogram counts (not _sum or buckets, which depend on speed). */
function countsOf(exposition: ParsedExposition): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of exposition.samples) {
    const family = familyOf(s, exposition.families);
    if (!APP_FAMILIES.includes(family) || s.name.endsWith('_bucket') || s.name.endsWith('_sum')) continue;
    counts[`${s.name}{${Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`] = s.value;
  }
  return counts;
}

function labelKeys(exposition: ParsedExposition, family: string): string[] {
  const keys = new Set<string>();
  for (const s of exposition.samples) if (familyOf(s, exposition.families) === family) for (const k of Object.keys(s.labels)) if (k !== 'le') keys.add(k);
  return [...keys].sort();
}

describe('a prom-client app ported by changing its import line', () => {
  test('the ported fixture differs from the original only in its import line', () => {
    const original = readFileSync(`${ROOT}/${ORIGINAL}`, 'utf8').split('\n');
    const ported = readFileSync(`${ROOT}/${PORTED}`, 'utf8').split('\n');
    expect(ported).toHaveLength(original.length);
    const changed = original.map((line, i) => [line, ported[i]] as const).filter(([a, b]) => a !== b);
    expect(changed).toEqual([
      [
        "import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';",
        "import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'promkit/prom-client';",
      ],
    ]);
  });

  test('scrapes the same series names, label sets and counts as on prom-client', { timeout: 60_000 }, async () => {
    const original = await driveAndScrape((await startOriginal()).appPort);
    const app = await startApp(PORTED, { PROMKIT_QUIET: 'true' });
    apps.push(app);
    const ported = await driveAndScrape(app.appPort);

    for (const family of APP_FAMILIES) {
      expect(ported.families.get(family)?.type, family).toBe(original.families.get(family)?.type);
      expect(seriesOf(ported, family), family).toEqual(seriesOf(original, family));
    }
    expect(countsOf(ported)).toEqual(countsOf(original));
    // The known requests, so an empty scrape on both sides cannot pass.
    expect(countsOf(ported)['http_requests_total{method=GET,route=/orders/:id,status_code=200}']).toBe(7);
    expect(countsOf(ported)['orders_in_queue{queue=default}']).toBe(3);

    // Default metrics: every family prom-client wrote samples for, same type and label keys.
    const runtime = [...original.families.keys()].filter(
      (f) => !APP_FAMILIES.includes(f) && original.samples.some((s) => familyOf(s, original.families) === f),
    );
    expect(runtime.length).toBeGreaterThan(20);
    for (const family of runtime) {
      expect(ported.families.get(family)?.type, family).toBe(original.families.get(family)?.type);
      expect(labelKeys(ported, family), family).toEqual(labelKeys(original, family));
    }
  });
});
