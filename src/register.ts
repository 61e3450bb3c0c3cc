/**
 * The preload: `node --import promkit/register app.js`. It starts promkit before the app's own
 * modules load and never takes the app down: any failure prints one line saying what failed
 * and what to set, and the app runs on without metrics.
 *
 * No SIGTERM handler is installed (that would remove Node's default exit on SIGTERM); the
 * provider is shut down on `beforeExit`.
 */
import { register } from 'node:module';

const PREFIX = 'promkit: metrics not started:';

try {
  // ESM apps bind `import { createServer } from 'node:http'` at link time; only this loader
  // hook (import-in-the-middle) lets instrumentation-http patch them, so it goes first.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
} catch (error) {
  process.stderr.write(`promkit: ESM HTTP instrumentation unavailable (${message(error)}); CommonJS apps are unaffected\n`);
}

try {
  const { start } = await import('./start.js');
  const { resolveQuiet } = await import('./config.js');
  const handle = await start();
  if (handle.enabled) {
    process.once('beforeExit', () => void handle.shutdown());
    if (!resolveQuiet()) process.stderr.write(`promkit: serving metrics at ${handle.url}\n`);
  }
} catch (error) {
  process.stderr.write(`${PREFIX} ${message(error)}\n`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
