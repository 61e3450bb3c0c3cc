/**
 * The raw environment, read in one module: `resolveConfig` (config.ts) reads every setting through
 * these helpers, and the warning channel (warnings.ts) asks only whether promkit must be quiet
 * before `start()` has resolved a config. Nothing else in promkit touches `process.env`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of a variable, or undefined when it is unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** `PROMKIT_QUIET=true` (any case): print no promkit lines on stderr. */
export function resolveQuiet(env: Env = process.env): boolean {
  return nonEmpty(env['PROMKIT_QUIET'])?.toLowerCase() === 'true';
}
