/**
 * The preload: `node --import promkit/register app.js`. It starts promkit before the app's own
 * modules load and never takes the app down: any failure prints one line saying what failed
 * and what to set, and the app runs on without metrics.
 *
 * Push outputs are flushed on `beforeExit` (the event loop emptied) and, through `start()`'s
 * `flushOnSignal`, on SIGTERM/SIGINT and an uncaught exception, after which the process ends as
 * it would have without promkit.
 */
import { register } from 'node:module';
import { needsLoaderHook, resolveConfig } from './config.js';
import { adoptPendingPm2Env } from './env.js';

const PREFIX = 'promkit: metrics not started:';

try {
  // Under PM2 cluster mode the app's environment arrives only after the preload; take it now.
  adoptPendingPm2Env();
  // The preload has no options: the environment is its whole configuration.
  const config = resolveConfig();
  if (needsLoaderHook(config)) registerLoaderHook();
  const { start, isLoopback } = await import('./start.js');
  const { resolveQuiet } = await import('./config.js');
  const handle = await start();
  if (handle.enabled) {
    process.once('beforeExit', () => void handle.shutdown());
    // One line with the plan and who can reach the port; a cluster worker serves nothing itself (its primary does): nothing to announce.
    if (!resolveQuiet() && handle.clusterRole !== 'worker' && handle.planLine !== undefined) {
      // Who can reach the port goes inside the plan's parentheses: one line, one group.
      const line = handle.url !== undefined ? handle.planLine.replace(/\)$/, `; ${reach(handle.url, config.auth.kind !== 'none', isLoopback)})`) : handle.planLine;
      process.stderr.write(`promkit: ${line}\n`);
    }
  }
} catch (error) {
  process.stderr.write(`${PREFIX} ${message(error)}\n`);
}

/**
 * ESM apps bind `import { request } from 'node:http'` at link time; only this loader hook
 * (import-in-the-middle) lets an OpenTelemetry instrumentation patch them, so it must be in place
 * before the app's modules load. It is registered only when configuration chooses such an
 * instrumentation: it costs a loader thread that parses every module.
 */
function registerLoaderHook(): void {
  try {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  } catch (error) {
    // An optional peer dependency: chosen in configuration but not installed.
    process.stderr.write(
      `promkit: ESM instrumentation unavailable (${message(error)}; npm install @opentelemetry/instrumentation); CommonJS apps are unaffected\n`,
    );
  }
}

/**
 * Who can reach the scrape port, said where people look first: users coming from prom-client
 * serve /metrics on the app's port, and a port bound to localhost inside a container reads as
 * `up 0` to Prometheus with nothing in the app's output to say why.
 */
function reach(url: string, authenticated: boolean, isLoopback: (address: string) => boolean): string {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || isLoopback(host)) {
    return `bound to ${host}: only this machine can scrape it; for a container or pod set OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0, with PROMKIT_METRICS_TOKEN to require a bearer token`;
  }
  return authenticated ? `bound to ${host}; every request needs the token or basic auth` : `bound to ${host}, without authentication`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
