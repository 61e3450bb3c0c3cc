import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText, type ParsedExposition, type Sample } from '../helpers/parse-prometheus.js';
import { startPushgateway, type PushgatewayServer } from '../helpers/pushgateway-server.js';

const ORIGINAL = 'test/fixtures/prom-client-app.mjs';
const PORTED = 'test/fixtures/prom-client-app-promkit.mjs';

const apps: AppProcess[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

let pushgateway: PushgatewayServer;
beforeAll(async () => {
  pushgateway = await startPushgateway();
}, 60_000);
afterAll(async () => {
  await pushgateway?.stop();
});

/** The original runs on prom-client alone: no promkit preload. */
async function startOriginal(env: Record<string, string>): Promise<AppProcess> {
  const child = spawn(process.execPath, [ORIGINAL], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
type Scrape = ParsedExposition & { readonly text: string; readonly clusterText: string };

async function driveAndScrape(port: number): Promise<Scrape> {
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
  await (await fetch(`http://127.0.0.1:${port}/push`, { method: 'POST' })).text();
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  const cluster = await fetch(`http://127.0.0.1:${port}/cluster_metrics`);
  expect(cluster.status).toBe(200);
  return { ...parsePrometheusText(text), text, clusterText: await cluster.text() };
}

/** The text block (`# HELP` to the next one) of `family`: byte for byte what the registry wrote. */
function blockOf(text: string, family: string): string | undefined {
  return text.split(/(?=^# HELP )/m).find((block) => block.startsWith(`# HELP ${family} `));
}

/** What the Pushgateway holds for `run`, without the `run` label. */
async function pushedFor(run: string): Promise<string[]> {
  const text = await pushgateway.metricsText();
  return text
    .split('\n')
    .filter((line) => line.startsWith('batch_orders_total{') && line.includes(`run="${run}"`))
    .map((line) => line.replace(`,run="${run}"`, '').replace(`run="${run}",`, ''));
}

const APP_FAMILIES = ['http_request_duration_seconds', 'http_requests_total', 'orders_in_queue', 'orders_created_total', 'order_amount'];
/** Families whose values do not depend on speed: their text must be identical. */
const EXACT_FAMILIES = ['http_requests_total', 'orders_in_queue', 'orders_created_total', 'order_amount'];

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
        "import { AggregatorRegistry, Counter, Gauge, Histogram, Pushgateway, Registry, Summary, collectDefaultMetrics, register } from 'prom-client';",
        "import { AggregatorRegistry, Counter, Gauge, Histogram, Pushgateway, Registry, Summary, collectDefaultMetrics, register } from 'promkit/prom-client';",
      ],
    ]);
  });

  test('scrapes, aggregates the cluster and pushes the same as on prom-client', { timeout: 90_000 }, async () => {
    const original: Scrape = await driveAndScrape((await startOriginal({ PUSHGATEWAY_URL: pushgateway.url, PUSH_RUN: 'original' })).appPort);
    // promkit's own cluster mode too: the workers' layer metrics reach the primary's endpoint through its merge.
    const app = await startApp(PORTED, { PUSHGATEWAY_URL: pushgateway.url, PUSH_RUN: 'promkit', PROMKIT_CLUSTER: 'true' });
    apps.push(app);
    const ported: Scrape = await driveAndScrape(app.appPort);

    // The app's own route writes exactly prom-client's text for every speed-independent family.
    for (const family of EXACT_FAMILIES) {
      expect(blockOf(original.text, family), family).toBeDefined();
      expect(blockOf(ported.text, family), family).toBe(blockOf(original.text, family));
    }
    expect(blockOf(ported.text, 'order_amount')?.trimEnd()).toBe(
      '# HELP order_amount Amount of an order.\n# TYPE order_amount summary\n' +
        'order_amount{quantile="0.5",currency="EUR"} 20\norder_amount{quantile="0.9",currency="EUR"} 30\n' +
        'order_amount_sum{currency="EUR"} 60\norder_amount_count{currency="EUR"} 3',
    );
    // Nothing but what the app registered: no promkit families on the app's route.
    expect(ported.text).not.toContain('target_info');
    // The cluster aggregate: 2 + 4 jobs summed, the peak gauge's max, identical text.
    expect(ported.clusterText).toBe(original.clusterText);
    expect(ported.clusterText).toContain('worker_jobs_total{kind="resize"} 6\n');
    expect(ported.clusterText).toContain('worker_queue_peak 20\n');
    // The Pushgateway received the same batch from both.
    expect(await pushedFor('promkit')).toEqual(await pushedFor('original'));
    expect(await pushedFor('promkit')).toEqual(['batch_orders_total{instance="",job="orders_batch"} 3']);
    // promkit's own endpoint carries the layer's metrics too (through its producer).
    const endpoint = parsePrometheusText(await (await fetch(app.scrapeUrl!)).text());
    expect(endpoint.samples.find((s) => s.name === 'orders_created_total')?.value).toBe(3);
    expect(endpoint.samples.find((s) => s.name === 'order_amount' && s.labels.quantile === '0.5')?.value).toBe(20);
    // Counters summed over the workers by promkit's cluster merge: 2 + 4.
    expect(endpoint.samples.find((s) => s.name === 'worker_jobs_total' && s.labels.kind === 'resize')?.value).toBe(6);

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

describe('require() from CommonJS', () => {
  test("returns prom-client's exports object and works without promkit started", () => {
    const out = JSON.parse(execFileSync(process.execPath, ['test/fixtures/prom-client-app-require.cjs'], { cwd: ROOT, encoding: 'utf8' })) as {
      before: string;
      after: string;
      exports: string[];
      text: string;
    };
    expect(out.before).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(out.after).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    for (const name of ['AggregatorRegistry', 'Counter', 'Gauge', 'Histogram', 'Pushgateway', 'Registry', 'Summary', 'aggregators', 'collectDefaultMetrics', 'contentType', 'exponentialBuckets', 'linearBuckets', 'openMetricsContentType', 'prometheusContentType', 'register', 'validateMetricName']) {
      expect(out.exports, name).toContain(name);
    }
    expect(out.text).toBe(
      '# HELP jobs Jobs.\n' +
        '# TYPE jobs counter\njobs_total{kind="a"} 2\n' +
        '# HELP job_seconds Job time.\n# TYPE job_seconds summary\njob_seconds{quantile="0.5"} 2\njob_seconds_sum 4\njob_seconds_count 2\n# EOF\n',
    );
  });
});
