/**
 * A real single-node VictoriaMetrics for tests: Debian's `victoria-metrics` on 127.0.0.1 and a
 * free port, data in a temporary directory, in its own process group. It accepts Prometheus
 * remote write at `/api/v1/write` and answers PromQL (MetricsQL) at `/api/v1/query`.
 * `-search.latencyOffset=0s` makes samples queryable as soon as they are stored (the default
 * hides the last 30 s), and the cache is off so a poll sees new samples.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopGroup, type InstantSample } from './prometheus-server.js';

export interface VictoriaMetricsServer {
  readonly url: string;
  query(expr: string): Promise<InstantSample[]>;
  log(): string;
  stop(): Promise<void>;
}

export async function startVictoriaMetrics(): Promise<VictoriaMetricsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-victoria-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'victoria-metrics',
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dir}`,
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-loggerLevel=WARN',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 100_000) log = log.slice(-50_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let stopped: Promise<void> | undefined;
  const server: VictoriaMetricsServer = {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`VictoriaMetrics ${expr}: ${body.error ?? response.status}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    log: () => log,
    stop: () => (stopped ??= stopGroup(child).then(() => rmSync(dir, { recursive: true, force: true }))),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      // A process that never started has no group to stop.
      if (spawnError !== undefined) rmSync(dir, { recursive: true, force: true });
      else await server.stop();
      throw new Error(`victoria-metrics did not start (${spawnError?.message ?? child.exitCode ?? child.signalCode}); is it installed?\n${log}`);
    }
    const ready = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`victoria-metrics was not ready within 30 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
