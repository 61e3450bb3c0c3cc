/**
 * The raw environment, read in one module: every component's `resolve(options, env)` reads its
 * settings from the `Env` passed in (by default {@link processEnv}), and the warning channel
 * (warnings.ts) asks only whether promkit must be quiet before `start()` has resolved a config.
 * Nothing else in promkit touches `process.env`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of a variable, or undefined when it is unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The process's environment as the app will see it. In PM2 cluster mode the instance is forked
 * with one variable, `pm2_env` (the app's whole environment as JSON), which PM2's wrapper copies
 * into `process.env` only after the preload has run; reading it here lets `PROMKIT_*`,
 * `OTEL_SERVICE_NAME` and `NODE_APP_INSTANCE` from the ecosystem file apply to the preload too.
 * Its values win over the inherited ones (the PM2 daemon's), as they will once PM2 has copied them.
 */
export function processEnv(): Env {
  const pending = process.env['pm2_env'];
  if (pending === undefined) return process.env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(pending);
  } catch {
    return process.env;
  }
  if (parsed === null || typeof parsed !== 'object') return process.env;
  const env: Record<string, string | undefined> = {};
  // PM2 copies every top-level entry with `process.env[k] = value`, which stringifies it.
  for (const [key, value] of Object.entries(parsed)) if (value !== null && typeof value !== 'object') env[key] = String(value);
  return { ...process.env, ...env };
}

/** `PROMKIT_QUIET=true` (any case): print no promkit lines on stderr. */
export function resolveQuiet(env: Env = processEnv()): boolean {
  return nonEmpty(env['PROMKIT_QUIET'])?.toLowerCase() === 'true';
}
