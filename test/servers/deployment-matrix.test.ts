/**
 * Every deployment shape counts once. Roles {single process, node:cluster with 4 workers, PM2
 * cluster mode with 2 instances, inside the app's own OpenTelemetry NodeSDK} × outputs {scrape,
 * remote write into a real VictoriaMetrics, OTLP into a decoding sink, a real Pushgateway}: each
 * role runs every output at once, takes a known number of requests and is stopped the way its
 * runtime stops it (SIGTERM; `pm2 stop`, which sends SIGINT); each output then holds exactly that
 * many, under one `target_info` (one resource) per process that pushes. Cells refused by design
 * check their message instead.
 *
 * The native column: with MATRIX_NATIVE=1 the fixtures also record 0.25 s per request into a
 * native-only histogram, `matrix.native`; every output then holds exactly one observation per
 * request (and their sum, exact in binary): the scrape as a protobuf native histogram (schema and
 * spans) and as text, remote write as the classic buckets derived from it (VictoriaMetrics) or as a
 * native histogram (Prometheus with native histograms on), OTLP as an exponential histogram, the
 * Pushgateway as text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { decodeDelimited, num, sub, text } from '../helpers/protobuf-decode.js';
import { startPm2, type Pm2 } from '../helpers/pm2.js';
import { freePort, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';
import { startPushgateway, type PushgatewayServer } from '../helpers/pushgateway-server.js';
import { startVictoriaMetrics, type VictoriaMetricsServer } from '../helpers/victoria-metrics-server.js';

let victoria: VictoriaMetricsServer;
let gateway: PushgatewayServer;
let otlp: OtlpReceiver;
let prometheus: PrometheusServer;

beforeAll(async () => {
  [victoria, gateway, otlp, prometheus] = await Promise.all([
    startVictoriaMetrics(),
    startPushgateway(),
    startOtlpReceiver(),
    startPrometheus('global:\n  scrape_interval: 1h\n', { flags: ['--web.enable-remote-write-receiver'], features: ['native-histograms'] }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([victoria?.stop(), gateway?.stop(), otlp?.close(), prometheus?.stop()]);
});

/** Every output at once, under the service name `job`. */
const outputs = (job: string) => ({
  OTEL_SERVICE_NAME: job,
  OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
  OTEL_METRICS_EXPORTER: 'prometheus,otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  OTEL_METRIC_EXPORT_INTERVAL: '500',
  PROMKIT_REMOTE_WRITE_URL: `${victoria.url}/api/v1/write`,
  PROMKIT_REMOTE_WRITE_INTERVAL_MS: '500',
  PROMKIT_PUSHGATEWAY_URL: gateway.url,
  PROMKIT_RUNTIME_METRICS: 'off',
  MATRIX_NATIVE: '1',
});

interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  exited: Promise<void>;
}

function spawnApp(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, stream = 'stdout') {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern}; stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** Stops the process with `signal` and waits for it; then ends what it left behind (cluster workers). */
async function stopApp(app: Spawned, signal: NodeJS.Signals): Promise<void> {
  app.child.kill(signal);
  await app.exited;
  try {
    process.kill(-app.child.pid!, 'SIGKILL');
  } catch {
    // Nothing left in its group.
  }
}

async function load(port: number, paths: readonly string[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}${paths[i % paths.length]}`);
    await response.text();
    expect(response.status).toBe(200);
  }
}

const REQUESTS = 'http_server_request_duration_seconds_count';
/** The fixtures' native histogram: 0.25 s recorded once per request. */
const NATIVE = 'matrix_native_seconds';
const sum = (samples: readonly Sample[], name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
/** `count` observations of 0.25 s each: their count and (exact) sum. */
const native = (count: number) => ({ count, sum: count * 0.25 });

async function scrape(url: string): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(url)).text()).samples;
}

const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

/** The native histogram negotiated as protobuf: count and sum over its series, and whether each carries a schema and positive spans. */
async function scrapeNative(url: string): Promise<{ count: number; sum: number; native: boolean }> {
  const response = await fetch(url, { headers: { Accept: PROTOBUF_ACCEPT } });
  expect(response.headers.get('content-type')).toContain('application/vnd.google.protobuf');
  const family = decodeDelimited(new Uint8Array(await response.arrayBuffer())).find((f) => text(f.get(1)?.[0]) === NATIVE);
  const series = (family?.get(4) ?? []).map((metric) => sub(sub(metric).get(7)?.[0]));
  return {
    count: series.reduce((n, h) => n + (num(h.get(1)?.[0]) ?? 0), 0),
    sum: series.reduce((n, h) => n + (num(h.get(2)?.[0]) ?? 0), 0),
    native: series.length > 0 && series.every((h) => h.get(5)?.length === 1 && (h.get(12)?.length ?? 0) > 0),
  };
}

/** The native histogram in a text scrape (its derived classic buckets' `_count` and `_sum`). */
const textNative = (samples: readonly Sample[]) => ({ count: sum(samples, `${NATIVE}_count`), sum: sum(samples, `${NATIVE}_sum`) });

/** The remote-write store: requests summed over the job's series, its target_info series, and the native histogram as classic `_count`/`_sum`. */
async function stored(job: string): Promise<{ requests: number; targets: number; native: { count: number; sum: number } }> {
  const [requests, targets, count, total] = await Promise.all([
    victoria.query(`sum(${REQUESTS}{job="${job}"})`),
    victoria.query(`count(target_info{job="${job}"})`),
    victoria.query(`sum(${NATIVE}_count{job="${job}"})`),
    victoria.query(`sum(${NATIVE}_sum{job="${job}"})`),
  ]);
  return { requests: requests[0]?.value ?? 0, targets: targets[0]?.value ?? 0, native: { count: count[0]?.value ?? 0, sum: total[0]?.value ?? 0 } };
}

/**
 * OTLP: per resource (service.instance.id) its latest export's request count, summed; how many
 * resources; and the native histogram's exponential data points' count and sum, summed the same way.
 */
function exported(job: string): { requests: number; resources: number; native: { count: number; sum: number } } {
  const latest = new Map<string, { requests: number; count: number; sum: number }>();
  for (const request of otlp.requests) {
    if (request.resource['service.name'] !== job) continue;
    const histogram = request.metrics.find((m) => m.name === 'http.server.request.duration')?.histogram;
    if (histogram === undefined) continue;
    const points = request.metrics.find((m) => m.name === 'matrix.native')?.exponentialHistogram ?? [];
    latest.set(String(request.resource['service.instance.id']), {
      requests: histogram.reduce((n, p) => n + p.count, 0),
      // A point's buckets hold its count: zero bucket plus positive buckets (every value is 0.25).
      count: points.reduce((n, p) => n + (p.zeroCount + p.positive.counts.reduce((a, b) => a + b, 0) === p.count ? p.count : NaN), 0),
      sum: points.reduce((n, p) => n + (p.sum ?? NaN), 0),
    });
  }
  const all = [...latest.values()];
  return {
    requests: all.reduce((n, v) => n + v.requests, 0),
    resources: latest.size,
    native: { count: all.reduce((n, v) => n + v.count, 0), sum: all.reduce((n, v) => n + v.sum, 0) },
  };
}

/** The Pushgateway: the job's requests over its groups, and the groups (their `instance`). */
async function pushed(job: string): Promise<{ requests: number; groups: string[]; native: { count: number; sum: number } }> {
  const samples = parsePrometheusText(await gateway.metricsText()).samples.filter((s) => s.labels['job'] === job);
  return {
    requests: sum(samples, REQUESTS),
    native: textNative(samples),
    groups: [...new Set(samples.filter((s) => s.name === 'push_time_seconds').map((s) => s.labels['instance'] ?? ''))].sort(),
  };
}

/** After the role has stopped: every push output holds exactly `count` requests and native observations, from `processes` resources. */
async function expectPushedOnce(job: string, count: number, processes: number, groups: string[], log: () => string): Promise<void> {
  await expect.poll(() => stored(job), { timeout: 20_000, interval: 250, message: `remote write; ${log()}` }).toEqual({ requests: count, targets: processes, native: native(count) });
  await expect.poll(() => exported(job), { timeout: 20_000, interval: 250, message: `OTLP; ${log()}` }).toEqual({ requests: count, resources: processes, native: native(count) });
  await expect.poll(() => pushed(job), { timeout: 20_000, interval: 250, message: `Pushgateway; ${log()}` }).toEqual({ requests: count, groups, native: native(count) });
}

describe('deployment matrix', () => {
  it('single process: scrape, remote write, OTLP and Pushgateway each count 200 requests and 200 native-histogram observations once, flushed on SIGTERM', async () => {
    const job = 'matrix-single';
    const app = spawnApp(['--import', './register.js', 'test/fixtures/app.mjs'], { ...outputs(job), OTEL_EXPORTER_PROMETHEUS_PORT: '0' });
    const port = Number((await app.waitFor(/listening (\d+)/))[1]);
    const url = (await app.waitFor(/serving metrics at (\S+) \(standalone; push: remote_write, otlp, pushgateway;/, 'stderr'))[1]!;
    await load(port, ['/'], 200);
    const samples = await scrape(url);
    expect(sum(samples, REQUESTS)).toBe(200);
    expect(textNative(samples)).toEqual(native(200));
    expect(await scrapeNative(url)).toEqual({ ...native(200), native: true });
    expect(samples.filter((s) => s.name === 'target_info')).toHaveLength(1);
    await stopApp(app, 'SIGTERM');
    expect(app.child.signalCode).toBe('SIGTERM');
    await expectPushedOnce(job, 200, 1, [''], app.stderr);
    // One identity on every output: the plan line's service.instance.id, the host and the pid.
    const instanceId = /service\.instance\.id=([0-9a-f-]{36})[;)]/.exec(app.stderr())![1]!;
    expect(otlp.requests.find((request) => request.resource['service.name'] === job)?.resource).toMatchObject({
      'service.instance.id': instanceId,
      'host.name': hostname(),
      'process.pid': app.child.pid,
    });
    expect((await victoria.query(`target_info{job="${job}"}`)).map((s) => s.metric)).toEqual([
      expect.objectContaining({ instance: instanceId, service_instance_id: instanceId, host_name: hostname(), process_pid: String(app.child.pid) }),
    ]);
  }, 60_000);

  it('node:cluster with 4 workers, one SIGKILLed mid-run: the primary alone serves and pushes the merged 500 requests and native-histogram observations, under one resource', async () => {
    const job = 'matrix-cluster';
    const app = spawnApp(['--import', './register.js', 'test/fixtures/cluster-app.mjs'], {
      ...outputs(job),
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      PROMKIT_CLUSTER: 'true',
      CLUSTER_WORKERS: '4',
    });
    const port = Number((await app.waitFor(/listening (\d+)/))[1]);
    const url = (await app.waitFor(/serving metrics at (\S+) \(cluster-primary; push: remote_write, otlp, pushgateway;/, 'stderr'))[1]!;
    await load(port, ['/a', '/b'], 400);
    const samples = await scrape(url);
    expect(sum(samples, REQUESTS)).toBe(400);
    expect(textNative(samples)).toEqual(native(400));
    expect(await scrapeNative(url)).toEqual({ ...native(400), native: true });
    expect(samples.filter((s) => s.name === 'target_info')).toHaveLength(1);
    // Workers announce nothing: one plan line, the primary's.
    expect(app.stderr().match(/^promkit: /gm)).toHaveLength(1);
    // A worker SIGKILLed mid-run, after the scrape above collected it: its share stays counted.
    app.child.stdin!.write('kill\n');
    await app.waitFor(/restarted \d+ \d+/);
    await load(port, ['/a', '/b'], 100);
    const after = await scrape(url);
    expect(sum(after, REQUESTS)).toBe(500);
    expect(textNative(after)).toEqual(native(500));
    expect(await scrapeNative(url)).toEqual({ ...native(500), native: true });
    await stopApp(app, 'SIGTERM');
    await expectPushedOnce(job, 500, 1, [''], app.stderr);
  }, 60_000);

  it('single process and node:cluster into Prometheus\'s remote-write receiver: 100 and 200 requests, once each; the native histogram as native', async () => {
    const single = spawnApp(['--import', './register.js', 'test/fixtures/app.mjs'], {
      OTEL_SERVICE_NAME: 'matrix-prometheus-single',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      PROMKIT_REMOTE_WRITE_URL: `${prometheus.url}/api/v1/write`,
      PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: 'native',
      MATRIX_NATIVE: '1',
    });
    const cluster = spawnApp(['--import', './register.js', 'test/fixtures/cluster-app.mjs'], {
      OTEL_SERVICE_NAME: 'matrix-prometheus-cluster',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      PROMKIT_CLUSTER: 'true',
      CLUSTER_WORKERS: '4',
      PROMKIT_REMOTE_WRITE_URL: `${prometheus.url}/api/v1/write`,
      PROMKIT_REMOTE_WRITE_NATIVE_HISTOGRAMS: 'native',
      MATRIX_NATIVE: '1',
    });
    await load(Number((await single.waitFor(/listening (\d+)/))[1]), ['/'], 100);
    await load(Number((await cluster.waitFor(/listening (\d+)/))[1]), ['/a', '/b'], 200);
    // The default 15 s interval never came: what arrives is the flush on SIGTERM.
    await Promise.all([stopApp(single, 'SIGTERM'), stopApp(cluster, 'SIGTERM')]);
    const query = async (job: string) => {
      const [requests, targets, count, total] = await Promise.all([
        prometheus.query(`sum(${REQUESTS}{job="${job}"})`),
        prometheus.query(`count(target_info{job="${job}"})`),
        prometheus.query(`sum(histogram_count(${NATIVE}{job="${job}"}))`),
        prometheus.query(`sum(histogram_sum(${NATIVE}{job="${job}"}))`),
      ]);
      return { requests: requests[0]?.value ?? 0, targets: targets[0]?.value ?? 0, native: { count: count[0]?.value ?? 0, sum: total[0]?.value ?? 0 } };
    };
    await expect.poll(() => query('matrix-prometheus-single'), { timeout: 20_000, interval: 250, message: single.stderr() }).toEqual({ requests: 100, targets: 1, native: native(100) });
    await expect.poll(() => query('matrix-prometheus-cluster'), { timeout: 20_000, interval: 250, message: cluster.stderr() }).toEqual({ requests: 200, targets: 1, native: native(200) });
    // Sent as native histograms, not as classic series: no `_count` series for it.
    expect(await prometheus.query(`${NATIVE}_count`)).toEqual([]);
  }, 60_000);

  describe('PM2 cluster mode with 2 instances', () => {
    let pm2: Pm2 | undefined;
    afterAll(async () => {
      await pm2?.kill();
    }, 60_000);

    it('each instance serves its own port and pushes its own share under its own resource; together exactly 200 requests and native-histogram observations', async () => {
      const job = 'matrix-pm2';
      pm2 = await startPm2();
      const appPort = await freePort();
      const scrapePort = await freePort();
      const env = { ...outputs(job), APP_PORT: String(appPort), OTEL_EXPORTER_PROMETHEUS_PORT: String(scrapePort) };
      await pm2.start(
        `module.exports = { apps: [{ name: 'matrix-pm2', script: ${JSON.stringify(join(ROOT, 'test/fixtures/pm2-app.cjs'))}, cwd: ${JSON.stringify(ROOT)},` +
          ` exec_mode: 'cluster', instances: 2, kill_timeout: 15000, node_args: ['--import', ${JSON.stringify(join(ROOT, 'register.js'))}], env: ${JSON.stringify(env)} }] };\n`,
      );
      const urls = [`http://127.0.0.1:${scrapePort}/metrics`, `http://127.0.0.1:${scrapePort + 1}/metrics`];
      await expect.poll(async () => (await Promise.all(urls.map((u) => fetch(u).then((r) => r.status, () => 0)))).join(','), { timeout: 30_000 }).toBe('200,200');
      await load(appPort, ['/'], 200);
      const scrapes = await Promise.all(urls.map(scrape));
      expect(scrapes.map((samples) => sum(samples, REQUESTS)).reduce((a, b) => a + b, 0)).toBe(200);
      expect(scrapes.map((samples) => textNative(samples).count).reduce((a, b) => a + b, 0)).toBe(200);
      // Asked for protobuf, every instance that recorded serves its share as a native histogram.
      const natives = await Promise.all(urls.filter((_, i) => textNative(scrapes[i]!).count > 0).map(scrapeNative));
      expect(natives.reduce((n, h) => n + h.count, 0)).toBe(200);
      expect(natives.every((h) => h.native)).toBe(true);
      expect(scrapes.map((samples) => samples.filter((s) => s.name === 'target_info').length)).toEqual([1, 1]);
      // `pm2 stop` sends SIGINT: each instance flushes its outputs, then dies of it.
      const daemon = pm2;
      pm2 = undefined;
      await daemon.kill();
      await expectPushedOnce(job, 200, 2, ['pm2-0', 'pm2-1'], () => '');
    }, 240_000);
  });

  it('inside the app\'s own NodeSDK: the scrape counts 25 requests and native-histogram observations once; promkit runs no push output there and says so', async () => {
    const app = spawnApp(['test/fixtures/sdk-node-startup.cjs'], {
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      PROMKIT_REMOTE_WRITE_URL: `${victoria.url}/api/v1/write`,
      MATRIX_NATIVE: '1',
    });
    try {
      const [, port, url] = await app.waitFor(/listening (\d+) (\S+)/);
      await load(Number(port), ['/'], 25);
      const samples = await scrape(url!);
      expect(sum(samples, REQUESTS)).toBe(25);
      expect(textNative(samples)).toEqual(native(25));
      expect(await scrapeNative(url!)).toEqual({ ...native(25), native: true });
      expect(samples.filter((s) => s.name === 'target_info')).toHaveLength(1);
      expect(app.stderr()).toContain(
        'promkit: promkitReader() serves the scrape endpoint only: PROMKIT_REMOTE_WRITE_URL is not used beside the NodeSDK; push with start() instead, or add the SDK\'s own OTLP reader\n',
      );
      expect(await stored('sdk-node-startup')).toEqual({ requests: 0, targets: 0, native: native(0) });
    } finally {
      await stopApp(app, 'SIGTERM');
    }
  }, 60_000);
});
