/**
 * Remote write against real stores: Prometheus 2.x with `--web.enable-remote-write-receiver` and
 * single-node VictoriaMetrics, each on a free loopback port with its own data directory. promkit
 * runs in this process with its scrape endpoint; what it pushes must come back from PromQL as
 * exactly the series of its scrape (same names, labels and values), plus `job` and `instance`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { metrics } from '../../src/facade/metrics.js';
import { processInstanceId } from '../../src/otel/resource.js';
import { start, type PromkitHandle } from '../../src/start.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';
import { startPrometheus, type InstantSample, type PrometheusServer } from '../helpers/prometheus-server.js';
import { startVictoriaMetrics, type VictoriaMetricsServer } from '../helpers/victoria-metrics-server.js';

interface Store {
  readonly name: string;
  readonly writeUrl: string;
  query(expr: string): Promise<InstantSample[]>;
  log(): string;
}

let prometheus: PrometheusServer | undefined;
let victoria: VictoriaMetricsServer | undefined;
const stores: Store[] = [];

beforeAll(async () => {
  [prometheus, victoria] = await Promise.all([
    startPrometheus('global:\n  scrape_interval: 1h\n', { flags: ['--web.enable-remote-write-receiver'] }),
    startVictoriaMetrics(),
  ]);
  stores.push(
    { name: 'prometheus', writeUrl: `${prometheus.url}/api/v1/write`, query: (e) => prometheus!.query(e), log: () => prometheus!.log() },
    { name: 'victoria-metrics', writeUrl: `${victoria.url}/api/v1/write`, query: (e) => victoria!.query(e), log: () => victoria!.log() },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([prometheus?.stop(), victoria?.stop()]);
});

/** A series' identity: name and every label, in name order. */
function keyOf(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe.each(['prometheus', 'victoria-metrics'])('remote write to %s', (storeName) => {
  let handle: PromkitHandle | undefined;
  afterAll(async () => {
    await handle?.shutdown();
  });

  test('every series of the scrape is queryable with the same name, labels and value, plus job and instance', async () => {
    const store = stores.find((s) => s.name === storeName)!;
    const job = `remote-write-${storeName}`;
    handle = await start({
      port: 0,
      serviceName: job,
      runtimeMetrics: false,
      instrumentHttp: false,
      instrumentFetch: false,
      // Pushed by hand: the test decides when.
      push: { remoteWrite: { url: store.writeUrl, intervalMillis: 3_600_000 } },
    });
    const orders = handle.meterProvider!.getMeter('shop').createCounter('orders.processed', { unit: '{order}' });
    orders.add(3, { 'order.kind': 'retail' });
    orders.add(2, { 'order.kind': 'wholesale' });
    // A route of its own per store: the default facade's HTTP series live as long as the process.
    const route = `/${storeName}/:id`;
    for (const durationS of [0.003, 0.02, 0.3, 0.3, 4]) {
      metrics.http.recordServerRequest({ method: 'GET', route, statusCode: 200, durationS });
    }
    await handle.push();
    const scraped = parsePrometheusText(await handle.scrape()).samples.filter((s) => s.labels['http_route'] === undefined || s.labels['http_route'] === route);
    // The process's service.instance.id, as OTLP and target_info carry it.
    const instance = processInstanceId();
    const expected = new Map(scraped.map((s) => [keyOf({ __name__: s.name, ...s.labels, job, instance }), s.value]));
    // target_info, two counter series, and one histogram: 15 buckets, _sum and _count.
    expect(expected.size, [...expected.keys()].join('\n')).toBe(20);

    // Values to 12 significant digits: VictoriaMetrics answers queries with no more (9.245999999999999
    // comes back as 9.246), Prometheus with the exact double.
    const rounded = (entries: Iterable<readonly [string, number]>) => new Map([...entries].map(([key, value]) => [key, Number(value.toPrecision(12))]));
    const stored = async () =>
      rounded((await store.query(`{job="${job}"}`)).filter((s) => s.metric['http_route'] === undefined || s.metric['http_route'] === route).map((s) => [keyOf(s.metric), s.value] as const));
    await expect.poll(stored, { timeout: 30_000, interval: 500, message: `${storeName} log:\n${store.log()}` }).toEqual(rounded(expected));

    // Exact values through PromQL, by the names a dashboard uses.
    const one = async (expr: string) => (await store.query(expr)).map((s) => s.value);
    expect(await one(`sum(orders_processed_total{job="${job}"})`)).toEqual([5]);
    expect(await one(`orders_processed_total{job="${job}",order_kind="wholesale",instance="${instance}"}`)).toEqual([2]);
    const bucket = (le: string) => one(`http_server_request_duration_seconds_bucket{job="${job}",http_route="${route}",le="${le}"}`);
    expect(await bucket('0.005')).toEqual([1]);
    expect(await bucket('0.025')).toEqual([2]);
    expect(await bucket('0.5')).toEqual([4]);
    expect(await bucket('+Inf')).toEqual([5]);
    expect(await one(`http_server_request_duration_seconds_count{job="${job}",http_route="${route}"}`)).toEqual([5]);
    expect(await one(`count(target_info{job="${job}",service_name="${job}"})`)).toEqual([1]);
  }, 60_000);
});
