/**
 * The `/metrics/health` view's options, resolved from `start({ health })` and the environment.
 */
import { parseNumber, type Env } from '../env.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_HEALTH, type HealthOptions, type ResolvedHealthConfig } from './options.js';

/** The health view's window and thresholds: options over `env` over {@link DEFAULT_HEALTH}. Throws a `ConfigError` naming the bad setting. */
export function resolve(options: HealthOptions, env: Env): ResolvedHealthConfig {
  const health = {
    windowSeconds: options.windowSeconds ?? parseNumber('PROMKIT_HEALTH_WINDOW_SECONDS', env) ?? DEFAULT_HEALTH.windowSeconds,
    minCalls: options.minCalls ?? parseNumber('PROMKIT_HEALTH_MIN_CALLS', env) ?? DEFAULT_HEALTH.minCalls,
    yellow: options.yellow ?? DEFAULT_HEALTH.yellow,
    red: options.red ?? DEFAULT_HEALTH.red,
  };
  // Errors name where the bad value came from: the option, or else the variable.
  const from = (option: keyof HealthOptions, variable: string) => (options[option] !== undefined ? `health.${option}` : variable);
  if (!Number.isFinite(health.windowSeconds) || health.windowSeconds <= 0) {
    throw new ConfigError(from('windowSeconds', 'PROMKIT_HEALTH_WINDOW_SECONDS'), `${String(health.windowSeconds)} must be a positive number of seconds, e.g. 300`);
  }
  if (!Number.isInteger(health.minCalls) || health.minCalls < 0) {
    throw new ConfigError(from('minCalls', 'PROMKIT_HEALTH_MIN_CALLS'), `${String(health.minCalls)} must be a whole number of calls, 0 or more, e.g. 20`);
  }
  if (!(health.yellow >= 0 && health.yellow <= health.red && health.red <= 1)) {
    throw new ConfigError('health', `thresholds yellow ${String(health.yellow)} and red ${String(health.red)} must satisfy 0 <= yellow <= red <= 1`);
  }
  return health;
}

