/**
 * The raw environment, read in one module, and how its values parse: every component's `resolve(options, env)` reads its
 * settings from the `Env` passed in (by default {@link processEnv}), and the warning channel
 * (warnings.ts) asks only whether promkit must be quiet before `start()` has resolved a config.
 * Nothing else in promkit touches `process.env`.
 */

import { ConfigError } from './errors.js';

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

/** A number from the environment, or undefined when the variable is unset or empty. */
export function parseNumber(name: string, env: Env): number | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new ConfigError(name, `"${value}" is not a number`);
  return parsed;
}

/** A boolean variable that defaults to false: `true` or `false` (any case); anything else is a {@link ConfigError}. */
export function parseBoolean(name: string, raw: string | undefined): boolean {
  return parseBooleanOr(name, raw, false);
}

/** `true` or `false` (any case); `fallback` when unset or empty; anything else is a {@link ConfigError}. */
export function parseBooleanOr(name: string, raw: string | undefined, fallback: boolean): boolean {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(name, `"${raw}" is not a boolean; set "true" or "false"`);
}

/** Milliseconds from the option, else the variable (when named), else the default; positive. */
export function positiveMillis([option, given]: readonly [string, number | undefined], [variable, env]: readonly [string, Env], fallback: number): number {
  const raw = variable === '' ? undefined : nonEmpty(env[variable]);
  if (given === undefined && raw !== undefined && !/^\d+$/.test(raw)) {
    throw new ConfigError(variable, `"${raw}" is not a number of milliseconds; set a positive integer`);
  }
  const millis = given ?? (raw !== undefined ? Number(raw) : fallback);
  if (!Number.isFinite(millis) || millis <= 0) throw new ConfigError(given !== undefined ? option : variable, `${String(millis)} must be a positive number of milliseconds`);
  return millis;
}

/**
 * Under PM2 cluster mode, copies the app's environment from `pm2_env` into `process.env` now, as
 * PM2's wrapper does right after the preload: libraries that read `process.env` themselves when
 * promkit starts them (the OTLP exporter's `OTEL_EXPORTER_OTLP_*`) then see the app's settings.
 * Only the preload calls it; elsewhere PM2 has done it already.
 */
export function adoptPendingPm2Env(): void {
  if (process.env['pm2_env'] === undefined) return;
  for (const [key, value] of Object.entries(processEnv())) if (value !== undefined && key !== 'pm2_env') process.env[key] = value;
}

/** `PROMKIT_QUIET=true` (any case): print no promkit lines on stderr. */
export function resolveQuiet(env: Env = processEnv()): boolean {
  return nonEmpty(env['PROMKIT_QUIET'])?.toLowerCase() === 'true';
}
