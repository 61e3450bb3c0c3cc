import { afterEach, describe, expect, test } from 'vitest';
import type { HealthReport } from '../../../src/health/report.js';
import type { MetricsSnapshot, NumberSeries } from '../../../src/exposition/json.js';
import { ScrapeServer, type Route } from '../../../src/server/server.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { start, type PromkitHandle } from '../../../src/start.js';
import { createManualClock } from '../../../src/testing/clock.js';

let handle: PromkitHandle | undefined;
const servers: Array<ScrapeServer<string>> = [];
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;

/** Starts promkit on a free port with two counters and a gauge recorded. */
async function startWithMetrics(): Promise<PromkitHandle> {
  handle = await start({ ...LOCAL, serviceName: 'shop', health: { clock: createManualClock(0) } });
  const facade = createMetrics({ meterProvider: handle.meterProvider!, meterName: 'filter-test' });
  facade.counter({ name: 'orders.created', description: 'Orders created.', labels: ['channel'] }).add(3, { channel: 'web' });
  facade.counter({ name: 'orders.refunded', description: 'Orders refunded.' }).add(1);
  facade.gauge({ name: 'queue.depth', description: 'Jobs waiting.', unit: '{job}' }).set(7);
  return handle;
}

async function get(path: string): Promise<Response> {
  return fetch(handle!.url!.replace(/\/metrics$/, path));
}

/** The metric family names in a text exposition (from its `# TYPE` lines). */
function families(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
}

describe('?name= on /metrics', () => {
  test('serves only the named families, by OpenTelemetry or Prometheus name, repeatable, without target_info', async () => {
    await startWithMetrics();
    expect(families(await (await get('/metrics?name=orders.created')).text())).toEqual(['orders_created_total']);
    expect(families(await (await get('/metrics?name[]=orders_created_total')).text())).toEqual(['orders_created_total']);
    const both = await (await get('/metrics?name=orders.created&name=queue_depth')).text();
    expect(families(both)).toEqual(['orders_created_total', 'queue_depth']);
    expect(both).toContain('orders_created_total{channel="web"} 3\n');
    expect(both).toContain('queue_depth 7\n');
  });

  test('adds target_info only when it is named; an unknown name gives an empty body', async () => {
    await startWithMetrics();
    const withInfo = await (await get('/metrics?name=queue.depth&name=target_info')).text();
    expect(families(withInfo)).toEqual(['target_info', 'queue_depth']);
    expect(withInfo).toContain('service_name="shop"');
    const response = await get('/metrics?name=no.such.metric');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  test('matches exactly: a prefix or a sample name is not a family name', async () => {
    await startWithMetrics();
    expect(families(await (await get('/metrics?name=orders')).text())).toEqual([]);
    expect(families(await (await get('/metrics?name=orders_created')).text())).toEqual([]);
  });
});

describe('bodies shared between concurrent requests', () => {
  /** A server over a collection the test releases, with one route that echoes its `name` parameters. */
  async function echoServer(variant: boolean) {
    let renders = 0;
    let release: (() => void) | undefined;
    const route: Route<string> = {
      path: '/metrics',
      render: (collection, query) => {
        renders++;
        return { status: 200, contentType: 'text/plain; charset=utf-8', body: `${collection} ${query.getAll('name').join(',')}\n` };
      },
      ...(variant && { variant: (query: URLSearchParams) => query.getAll('name').join(',') }),
    };
    const server = new ScrapeServer<string>({
      host: '127.0.0.1',
      port: 0,
      endpoint: '/metrics',
      collect: () => new Promise<string>((resolve) => (release = () => resolve('collected'))),
      routes: [route],
    });
    await server.listen();
    servers.push(server);
    const fetchAll = async (queries: readonly string[]): Promise<string[]> => {
      const pending = queries.map((query) => fetch(`http://127.0.0.1:${server.port}/metrics${query}`));
      while (server.waiting < pending.length) await new Promise<void>((resolve) => setImmediate(resolve));
      release!();
      return Promise.all((await Promise.all(pending)).map((r) => r.text()));
    };
    return { fetchAll, renders: () => renders };
  }

  test('are shared per variant: requests with different filters each get their own', async () => {
    const { fetchAll, renders } = await echoServer(true);
    const bodies = await fetchAll(['?name=a', '?name=b', '?name=a&utm=1', '']);
    expect(bodies).toEqual(['collected a\n', 'collected b\n', 'collected a\n', 'collected \n']);
    expect(renders()).toBe(3);
  });

  test('are shared across queries for a route without variants, so junk parameters add no rendering', async () => {
    const { fetchAll, renders } = await echoServer(false);
    expect(await fetchAll(['?x=1', '?x=2', ''])).toEqual(['collected \n', 'collected \n', 'collected \n']);
    expect(renders()).toBe(1);
  });
});

describe('?name= on /metrics/json', () => {
  test('keeps only the named metrics', async () => {
    await startWithMetrics();
    const body = (await (await get('/metrics/json?name=orders_refunded_total&name=queue.depth')).json()) as MetricsSnapshot;
    expect(body.metrics.map((m) => m.name)).toEqual(['orders.refunded', 'queue.depth']);
    expect((body.metrics[1]!.series[0] as NumberSeries).value).toBe(7);
  });
});

describe('?name= on /metrics/health', () => {
  test('lists the components computed from the named metrics, and only they decide the status', async () => {
    const clock = createManualClock(0);
    handle = await start({ ...LOCAL, health: { clock } });
    const meter = handle.meterProvider!.getMeter('filter-test');
    const server = meter.createHistogram('http.server.request.duration', { unit: 's' });
    for (let i = 0; i < 30; i++) {
      server.record(0.02, { 'http.request.method': 'GET', 'http.route': '/', 'http.response.status_code': 500, 'error.type': '500' });
    }
    meter.createHistogram('db.client.operation.duration', { unit: 's' }).record(0.01, { 'db.system.name': 'postgresql' });
    clock.set(1);

    const all = await get('/metrics/health');
    expect(all.status).toBe(503);

    const db = await get('/metrics/health?name=db.client.operation.duration');
    expect(db.status).toBe(200);
    const dbReport = (await db.json()) as HealthReport;
    expect(dbReport.components.map((c) => `${c.kind} ${c.name}`)).toEqual(['db postgresql']);
    expect(dbReport).toMatchObject({ healthy: true, status: 'green', httpErrorRatio: 1 });

    const http = await get('/metrics/health?name=http_server_request_duration_seconds');
    expect(http.status).toBe(503);
    const httpReport = (await http.json()) as HealthReport;
    expect(httpReport.components.map((c) => `${c.kind} ${c.name}`)).toEqual(['http_route GET /', 'http_server all routes']);
  });
});

describe('handle.snapshot()', () => {
  test('returns what /metrics/json serves', async () => {
    await startWithMetrics();
    const served = (await (await get('/metrics/json')).json()) as MetricsSnapshot;
    const snapshot = await handle!.snapshot();
    expect({ ...snapshot, timestamp: '' }).toEqual({ ...served, timestamp: '' });
    expect(snapshot.schema).toBe('promkit.metrics/v1');
    expect(snapshot.resource['service.name']).toBe('shop');
    expect(snapshot.metrics.map((m) => m.name)).toEqual(['orders.created', 'orders.refunded', 'queue.depth']);
  });

  test('takes names as ?name= does; an empty list means all', async () => {
    await startWithMetrics();
    const filtered = await handle!.snapshot({ names: ['orders_created_total', 'queue.depth'] });
    expect(filtered.metrics.map((m) => m.name)).toEqual(['orders.created', 'queue.depth']);
    expect((await handle!.snapshot({ names: [] })).metrics).toHaveLength(3);
  });

  test('is an empty snapshot when promkit is disabled', async () => {
    handle = await start({ ...LOCAL, disabled: true });
    const snapshot = await handle.snapshot();
    expect(snapshot).toMatchObject({ schema: 'promkit.metrics/v1', resource: {}, metrics: [] });
  });
});
