/**
 * A real Prometheus server for end-to-end tests: Debian's `prometheus` binary on 127.0.0.1 and
 * a free port, storage in a temporary directory, in its own process group so `stop()` takes down
 * everything it started. Queries go through the HTTP API (`/api/v1/...`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary's version line, or undefined when `prometheus` is not on the PATH. */
export function prometheusVersion(): string | undefined {
  const result = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.split('\n')[0];
}

/** A port that was free a moment ago (bound to 0 on 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface InstantSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly value: string;
}

export interface PrometheusRule {
  readonly name: string;
  readonly query: string;
  readonly type: 'recording' | 'alerting';
  readonly health: string;
  readonly lastError?: string;
  readonly state?: 'inactive' | 'pending' | 'firing';
  /** When the rule was last evaluated (RFC 3339). */
  readonly lastEvaluation?: string;
}

export interface PrometheusServer {
  readonly url: string;
  /**
   * `/api/v1/query` at `time` (Unix seconds; default now); throws on an API error, returns the
   * vector. Queries pinned to one time see the same samples, so their results agree with each other.
   */
  query(expr: string, time?: number): Promise<InstantSample[]>;
  alerts(): Promise<PrometheusAlert[]>;
  rules(): Promise<PrometheusRule[]>;
  targets(): Promise<{ health: string; scrapeUrl: string; lastError: string }[]>;
  /** What the server wrote to stderr (its log), for failure messages. */
  log(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s; removes the storage directory. Idempotent. */
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus API ${url}: ${body.error ?? response.status}`);
  return body.data;
}

/** Sends `signal` to the process group led by `child` (spawned with `detached: true`). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits for `child` to exit, escalating to SIGKILL of its group after `graceMs`. */
export function stopGroup(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    killGroup(child, 'SIGTERM');
  });
}

/**
 * Starts Prometheus with `config` (YAML text; relative paths in it resolve against `cwd` of the
 * config file, so pass absolute rule file paths) and waits until `/-/ready` answers. A port
 * taken between {@link freePort} and Prometheus binding it (another test, a second Prometheus
 * started at the same time) is retried on a new port. `flags` are added to the command line
 * (e.g. `--web.enable-remote-write-receiver`).
 */
export async function startPrometheus(config: string, options: PrometheusOptions = {}): Promise<PrometheusServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(config, options);
    } catch (error) {
      if (attempt === 3 || !(error instanceof Error) || !/address already in use/.test(error.message)) throw error;
    }
  }
}

/** Extra command-line settings. */
export interface PrometheusOptions {
  /** Feature flags, e.g. `['native-histograms']` for `--enable-feature=native-histograms`. */
  readonly features?: readonly string[];
  /** Other command-line flags, e.g. `['--web.enable-remote-write-receiver']`. */
  readonly flags?: readonly string[];
}

async function startOnce(config: string, options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(options.flags ?? []),
      ...(options.features ?? []).map((feature) => `--enable-feature=${feature}`),
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 100_000) log = log.slice(-50_000);
  });
  let stopped: Promise<void> | undefined;
  const server: PrometheusServer = {
    url,
    async query(expr, time) {
      const at = time === undefined ? '' : `&time=${time}`;
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `${url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`,
      );
      if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async alerts() {
      return (await api<{ alerts: PrometheusAlert[] }>(`${url}/api/v1/alerts`)).alerts;
    },
    async rules() {
      return (await api<{ groups: { rules: PrometheusRule[] }[] }>(`${url}/api/v1/rules`)).groups.flatMap((g) => g.rules);
    },
    async targets() {
      return (await api<{ activeTargets: { health: string; scrapeUrl: string; lastError: string }[] }>(`${url}/api/v1/targets`))
        .activeTargets;
    },
    log: () => log,
    stop: () =>
      (stopped ??= stopGroup(child).then(() => rmSync(dir, { recursive: true, force: true }))),
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await server.stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`prometheus was not ready within 30 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
