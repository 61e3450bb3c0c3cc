/**
 * Third-party OpenTelemetry instrumentations (`@opentelemetry/instrumentation-pg`, ...) on
 * promkit's meter provider. The provider's views are the catalogue's, and views match by
 * instrument name, so what such an instrumentation records under a catalogue name
 * (`db.client.operation.duration`) gets the catalogue's buckets and label allow-list.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { MeterProvider } from '@opentelemetry/api';

/**
 * What promkit uses of an OpenTelemetry instrumentation (an `Instrumentation` from
 * `@opentelemetry/instrumentation`, such as `new PgInstrumentation()`). Stated here rather than
 * imported, so promkit's types need no instrumentation package installed: those are optional,
 * and every instrumentation brings its own.
 */
export interface Instrumentation {
  setMeterProvider(meterProvider: MeterProvider): void;
  enable(): void;
  disable(): void;
}

/** An instrumentation named in configuration: where to load it from. */
export interface NamedInstrumentation {
  readonly name: string;
  readonly packageName: string;
  readonly exportName: string;
}

export interface LoadOptions {
  /** The directory whose `node_modules` the packages are resolved from (the app's, not promkit's). */
  readonly from: string;
  /** Told, once per name, why an instrumentation was not loaded; loading goes on with the rest. */
  readonly warn: (message: string) => void;
}

/**
 * Creates one instance per named instrumentation, each from the app's own copy of its package
 * (so it patches the same `pg` the app loads). A package that is missing or does not export the
 * class is reported through `warn` and skipped: the app runs on without those metrics.
 */
export function loadNamedInstrumentations(named: readonly NamedInstrumentation[], options: LoadOptions): Instrumentation[] {
  if (named.length === 0) return [];
  // createRequire wants a file path; the file need not exist.
  const require = createRequire(join(options.from, 'noop.js'));
  const loaded: Instrumentation[] = [];
  for (const { name, packageName, exportName } of named) {
    let exports: Record<string, unknown>;
    try {
      exports = require(packageName) as Record<string, unknown>;
    } catch (error) {
      const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
      options.warn(
        missing
          ? `"${name}" is not instrumented: ${packageName} is not installed in ${options.from} (npm install ${packageName})`
          : `"${name}" is not instrumented: loading ${packageName} failed (${error instanceof Error ? error.message : String(error)})`,
      );
      continue;
    }
    const Class = exports[exportName];
    if (typeof Class !== 'function') {
      options.warn(`"${name}" is not instrumented: ${packageName} has no export ${exportName}`);
      continue;
    }
    loaded.push(new (Class as new () => Instrumentation)());
  }
  return loaded;
}

/**
 * Points each instrumentation's metrics at `meterProvider` and enables it (its tracer and logger
 * providers are left as the caller set them). Returns a function that disables them all again.
 */
export function enableOnMeterProvider(instrumentations: readonly Instrumentation[], meterProvider: MeterProvider): () => void {
  for (const instrumentation of instrumentations) {
    instrumentation.setMeterProvider(meterProvider);
    // Idempotent: instances enable themselves when constructed, unless created with enabled: false.
    instrumentation.enable();
  }
  return () => {
    for (const instrumentation of instrumentations) instrumentation.disable();
  };
}
