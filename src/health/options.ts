/** Options of the `/metrics/health` view, owned here and resolved (with the environment) by `resolveConfig`. */

/** Options of the health view; thresholds are error ratios from 0 to 1. */
export interface HealthOptions {
  /** Length of the sliding window in seconds. Env `PROMKIT_HEALTH_WINDOW_SECONDS`, default 300 (5 minutes). */
  readonly windowSeconds?: number;
  /**
   * Calls a component needs in the window before its error ratio can make it yellow or red, so
   * one error among a handful of calls does not flag it. Env `PROMKIT_HEALTH_MIN_CALLS`, default 20.
   */
  readonly minCalls?: number;
  /** A component is yellow from this failure ratio on, default 0.05 (5%). */
  readonly yellow?: number;
  /** A component is red above this failure ratio, default 0.1 (10%). */
  readonly red?: number;
  /** Seconds, monotonic; defaults to `performance.now() / 1000`. Tests pass a manual clock. */
  readonly clock?: { now(): number };
}

export interface ResolvedHealthConfig {
  readonly windowSeconds: number;
  readonly minCalls: number;
  readonly yellow: number;
  readonly red: number;
}

export const DEFAULT_HEALTH: ResolvedHealthConfig = Object.freeze({ windowSeconds: 300, minCalls: 20, yellow: 0.05, red: 0.1 });
