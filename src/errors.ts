/**
 * Errors promkit throws. Only configuration and definition problems throw (at start-up or when
 * a metric is defined); recording a measurement never throws.
 */

/** Base class of every error promkit throws, so callers can catch them as one family. */
export class PromkitError extends Error {
  override readonly name: string = 'PromkitError';
}

/** A metric definition (name, unit, labels, buckets) breaks a rule; the message names the metric and the value. */
export class InvalidDefinitionError extends PromkitError {
  override readonly name = 'InvalidDefinitionError';
  constructor(
    readonly metric: string,
    readonly problem: string,
  ) {
    super(`Invalid metric definition for "${metric}": ${problem}`);
  }
}

/**
 * The same metric name was defined twice with different shapes, or two names would be the same
 * once exported to Prometheus (`collision` says which name); both definitions are kept for the caller.
 */
export class ConflictingDefinitionError extends PromkitError {
  override readonly name = 'ConflictingDefinitionError';
  constructor(
    readonly metric: string,
    readonly existing: unknown,
    readonly requested: unknown,
    readonly collision?: string,
  ) {
    super(
      `Metric "${metric}" ${collision ?? 'is already defined differently'}.\n  existing:  ${JSON.stringify(existing)}\n  requested: ${JSON.stringify(requested)}\n` +
        'Reuse the existing definition, or pick another name.',
    );
  }
}

/** An option or environment variable has a value promkit cannot use; the message says what to set. */
export class ConfigError extends PromkitError {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

/** The scrape server could not bind its host and port; the message says what to set instead. */
export class ScrapeServerError extends PromkitError {
  override readonly name = 'ScrapeServerError';
}

/** Type guard for any error promkit throws. */
export function isPromkitError(error: unknown): error is PromkitError {
  return error instanceof PromkitError;
}
