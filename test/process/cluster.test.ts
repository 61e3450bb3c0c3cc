/**
 * Cluster mode end to end: a node:cluster app under the preload with PROMKIT_CLUSTER=true, load
 * from this process over keep-alive connections, and the primary's one endpoint scraped meanwhile.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { startPushReceiver, writtenValue } from '../helpers/push-receiver.js';

interface ClusterApp {
  readonly appPort: number;
  readonly scrapeUrl: string;
  /** Sends `stop` or `kill`; resolves with [old id, new id] once the replacement listens. */
  restart(how: 'stop' | 'kill'): Promise<[string, string]>;
  stderr(): string;
  stop(): Promise<void>;
}

const running: ClusterApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function startCluster(env: Record<string, string>): Promise<ClusterApp> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', './register.js', 'test/fixtures/cluster-app.mjs'], {
    cwd: ROOT,
    env: { ...process.env, PROMKIT_CLUSTER: 'true', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', ...env },
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waitFor = (pattern: RegExp, from: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} from the app; stderr:\n${stderr}`)), 30_000);
      const check = () => {
        const match = pattern.exec(stdout.slice(from));
        if (match) {
          clearTimeout(timer);
          resolve(match);
        } else waiters.push(check);
      };
      check();
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const appPort = Number((await waitFor(/listening (\d+)/, 0))[1]);
  const scrapeUrl = /serving metrics at (\S+)/.exec(stderr)?.[1];
  if (scrapeUrl === undefined) throw new Error(`the primary serves no metrics; stderr:\n${stderr}`);
  const app: ClusterApp = {
    appPort,
    scrapeUrl,
    async restart(how) {
      const from = stdout.length;
      child.stdin.write(`${how}\n`);
      const match = await waitFor(/restarted (\d+) (\d+)/, from);
      return [match[1]!, match[2]!];
    },
    stderr: () => stderr,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.push(app);
  return app;
}

interface Scrape {
  readonly status: number;
  readonly samples: Sample[];
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, samples: response.status === 200 ? parsePrometheusText(text).samples : [] };
}

/** `http_server_request_duration_seconds_count`, summed over routes and status codes. */
function requestCount(samples: Sample[]): number {
  return samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').reduce((total, s) => total + s.value, 0);
}

/** Sends `count` GETs with `concurrency` in flight over keep-alive connections; counts responses and failures. */
async function load(port: number, count: number, concurrency: number, tally: { responses: number; failures: number }, onProgress?: (sent: number) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (response) => {
        response.resume();
        response.once('end', () => {
          tally.responses++;
          resolve();
        });
        response.once('error', () => {
          tally.failures++;
          resolve();
        });
      });
      // A request in flight on a worker that goes away fails here: it is not counted as answered.
      req.once('error', () => {
        tally.failures++;
        resolve();
      });
      req.end();
    });
  const lane = async () => {
    while (next < count) {
      const n = next++;
      onProgress?.(n);
      await one(n % 2 === 0 ? '/a' : '/b');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  agent.destroy();
}

describe('cluster mode', () => {
  it('counts exactly the 40,000 answered requests of 4 workers through a graceful restart and a crash, every scrape answering', async () => {
    const app = await startCluster({ CLUSTER_WORKERS: '4' });
    const tally = { responses: 0, failures: 0 };
    const scrapes: Scrape[] = [];
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        scrapes.push(await scrape(app.scrapeUrl));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const began = performance.now();

    // Half the load, with a graceful restart (SIGTERM; the worker hands over its totals) halfway.
    let graceful: Promise<[string, string]> | undefined;
    await load(app.appPort, 20_000, 20, tally, (sent) => {
      if (sent === 10_000) graceful = app.restart('stop');
    });
    const [stoppedId, replacementId] = await graceful!;

    // Idle: the scrape holds every answered request; a crash (SIGKILL) must not take its share away.
    const beforeCrash = await scrape(app.scrapeUrl);
    expect(requestCount(beforeCrash.samples)).toBe(tally.responses);
    const [killedId, secondReplacementId] = await app.restart('kill');
    const afterCrash = await scrape(app.scrapeUrl);
    expect(requestCount(afterCrash.samples)).toBe(tally.responses);

    await load(app.appPort, 20_000, 20, tally);
    scraping = false;
    await scraper;
    const seconds = (performance.now() - began) / 1000;
    const final = await scrape(app.scrapeUrl);

    expect(tally.responses + tally.failures).toBe(40_000);
    expect(requestCount(final.samples)).toBe(tally.responses);
    // Failures are requests in flight on the worker that went away; the count leaves them out.
    expect(tally.failures).toBeLessThan(100);
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes.map((s) => s.status).filter((status) => status !== 200)).toEqual([]);
    // Summed over the cluster, the counter never goes down: no false counter reset for rate().
    const counts = scrapes.map((s) => requestCount(s.samples));
    expect(counts.filter((count, i) => i > 0 && count < counts[i - 1]!)).toEqual([]);
    // Runtime metrics stay per process: the primary and the four live workers, by id.
    const workerIds = new Set(final.samples.filter((s) => s.name === 'process_start_time_seconds').map((s) => s.labels['cluster_worker_id']));
    const live = ['1', '2', '3', '4', replacementId, secondReplacementId].filter((id) => id !== stoppedId && id !== killedId);
    expect(workerIds).toEqual(new Set(['primary', ...live]));
    // In-flight requests are summed: none once the load has stopped.
    expect(final.samples.filter((s) => s.name === 'http_server_active_requests')).toEqual([
      expect.objectContaining({ value: 0 }),
    ]);
    const missed = final.samples.filter((s) => s.name === 'promkit_cluster_workers_missed_total').map((s) => `${s.labels['promkit_reason']}=${s.value}`);
    console.log(
      `cluster: 40,000 requests (${tally.responses} answered, ${tally.failures} failed) in ${seconds.toFixed(1)} s, ` +
        `${scrapes.length} scrapes, all 200; workers missed: ${missed.join(', ') || 'none'}`,
    );
  }, 240_000);

  it('pushes once: only the primary remote-writes, so 4,000 requests over 4 workers read 4,000 with one target_info', async () => {
    const receiver = await startPushReceiver();
    try {
      const app = await startCluster({ CLUSTER_WORKERS: '4', PROMKIT_REMOTE_WRITE_URL: `${receiver.url}/api/v1/write`, PROMKIT_REMOTE_WRITE_INTERVAL_MS: '200' });
      const tally = { responses: 0, failures: 0 };
      await load(app.appPort, 4_000, 8, tally);
      expect(tally).toEqual({ responses: 4_000, failures: 0 });
      const total = (write: (typeof receiver.writes)[number]) => writtenValue(write, 'http_server_request_duration_seconds_count');
      // Until a push has the whole load, then two more intervals in which a worker's own push would show.
      const deadline = Date.now() + 30_000;
      while (!receiver.writes.some((write) => total(write) === 4_000) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const seen = receiver.writes.length;
      while (receiver.writes.length < seen + 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(Math.max(...receiver.writes.map(total))).toBe(4_000);
      const instances = new Set(receiver.writes.flat().map((series) => series.labels['instance']));
      expect(instances.size, [...instances].join(', ')).toBe(1);
      expect(receiver.writes.map((write) => write.filter((series) => series.labels['__name__'] === 'target_info').length)).toEqual(receiver.writes.map(() => 1));
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('answers a scrape without a worker that never answers, and counts the miss', async () => {
    const app = await startCluster({ CLUSTER_WORKERS: '1', CLUSTER_MUTE: '1' });
    const tally = { responses: 0, failures: 0 };
    await load(app.appPort, 10, 1, tally);
    // Prometheus's 3 s scrape timeout leaves the collection 2.5 s (the answering worker 2 s of it).
    const headers = { 'X-Prometheus-Scrape-Timeout-Seconds': '3' };
    const first = await scrape(app.scrapeUrl, headers);
    expect(first.status).toBe(200);
    expect(requestCount(first.samples)).toBe(10);
    // A miss is counted once its collection has ended, so the next scrape shows the first one.
    const second = await scrape(app.scrapeUrl, headers);
    expect(second.samples.filter((s) => s.name === 'promkit_cluster_workers_missed_total')).toEqual([
      { name: 'promkit_cluster_workers_missed_total', labels: { promkit_reason: 'timeout' }, value: 1 },
    ]);
    expect(requestCount(second.samples)).toBe(10);
  }, 60_000);
});
