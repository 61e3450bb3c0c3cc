/**
 * Where promkit's warnings go. The OTel diag logger is the standard channel, but it prints
 * nothing until the app installs one (`diag.setLogger`), and most apps never do; a warning
 * promised in the docs would then be lost. So: the app's diag logger when it has installed one,
 * otherwise one line on stderr, unless `PROMKIT_QUIET=true` (or `start({ quiet: true })`).
 */
import { diag } from '@opentelemetry/api';
import { resolveQuiet } from './env.js';

/**
 * The key under which `@opentelemetry/api` 1.x keeps its globals, shared by every copy of the
 * API in the process (that sharing is why it is a registered symbol); `diag.setLogger` stores
 * the logger there as `diag`, and `diag.disable()` removes it. There is no public getter.
 */
export const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** True when the app (or anything in the process) has installed an OTel diag logger. */
export function hasDiagLogger(): boolean {
  const api = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[OTEL_API_GLOBAL];
  return api?.diag !== undefined;
}

let quiet: boolean | undefined;

/** Set by `start()` from its resolved config; before that the environment decides. */
export function setQuiet(value: boolean | undefined): void {
  quiet = value;
}

/** The stderr writer; replaceable for tests in this process. */
let write = (line: string): void => void process.stderr.write(line);

/** Replaces the stderr writer (tests); returns a function restoring the previous one. */
export function setWarningWriter(writer: (line: string) => void): () => void {
  const previous = write;
  write = writer;
  return () => {
    write = previous;
  };
}

/**
 * Warns: through the app's diag logger when one is installed, else as one stderr line (newlines
 * folded) starting with `promkit:`. Callers rate-limit (drops warn once per metric and reason).
 */
export function warn(message: string): void {
  const text = message.startsWith('promkit:') ? message : `promkit: ${message}`;
  if (hasDiagLogger()) {
    diag.warn(text);
    return;
  }
  if (quiet ?? resolveQuiet()) return;
  write(`${text.replace(/\s*\n\s*/g, ' ')}\n`);
}
