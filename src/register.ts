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
  if (needsLoaderHook(resolveConfig())) registerLoaderHook();
  const { start } = await import('./start.js');
  const { resolveQuiet } = await import('./config.js');
  const handle = await start();
  if (handle.enabled) {
    process.once('beforeExit', () => void handle.shutdown());
    // One line with the plan; a cluster worker serves nothing itself (its primary does): nothing to announce.
    if (!resolveQuiet() && handle.clusterRole !== 'worker' && handle.planLine !== undefined) {
      process.stderr.write(`promkit: ${handle.planLine}\n`);
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
