/**
 * A real Prometheus Pushgateway for tests: Debian's `prometheus-pushgateway` on 127.0.0.1 and a
 * free port, without persistence, in its own process group.
 */
import { spawn } from 'node:child_process';
import { freePort, stopGroup } from './prometheus-server.js';

export interface PushgatewayServer {
  readonly url: string;
  /** Its own `/metrics`: every pushed group's series plus its own. */
  metricsText(): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

export async function startPushgateway(): Promise<PushgatewayServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 100_000) log = log.slice(-50_000);
  });
  let stopped: Promise<void> | undefined;
  const server: PushgatewayServer = {
    url,
    metricsText: async () => (await fetch(`${url}/metrics`)).text(),
    log: () => log,
    stop: () => (stopped ??= stopGroup(child)),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError !== undefined) throw new Error(`prometheus-pushgateway did not start (${spawnError.message}); is it installed?`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus-pushgateway exited (${child.exitCode ?? child.signalCode}):\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`prometheus-pushgateway was not ready within 30 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
