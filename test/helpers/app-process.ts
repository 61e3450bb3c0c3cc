import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess {
  readonly child: ChildProcess;
  /** The app's own port (printed as `listening N`). */
  readonly appPort: number;
  /** The scrape URL promkit printed, or undefined when it did not start. */
  readonly scrapeUrl: string | undefined;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `node --import ./register.js <script>` from the repository root and waits until the
 * app prints its port. The scrape port defaults to 0 (free port) unless `env` sets one.
 */
export async function startApp(script: string, env: Record<string, string> = {}, preload = './register.js'): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', preload, script], {
    cwd: ROOT,
    env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const appPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in time; stderr:\n${stderr}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}; stderr:\n${stderr}`));
    });
  });
  const scrapeUrl = /serving metrics at (\S+)/.exec(stderr)?.[1];
  return {
    child,
    appPort,
    scrapeUrl,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** GETs `path` from the app `count` times, in sequence; returns the status codes. */
export async function hit(port: number, path: string, count = 1): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    await response.text();
    statuses.push(response.status);
  }
  return statuses;
}
