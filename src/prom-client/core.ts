/**
 * The state behind `promkit/prom-client`: one meter (`promkit.prom-client`) on whichever provider
 * `start()` installed, the definitions by name, and the shared pieces of promkit's facade (drop
 * accounting, clock, cardinality limit). Metrics defined before `start()` (at module load, as
 * prom-client apps do) are moved onto its provider when it binds, like the default facade's.
 */
import { metrics as otelMetrics, type Meter, type MeterProvider, type ObservableGauge } from '@opentelemetry/api';
import { checkAttributeKeys, checkBoundaries } from '../catalogue/validation.js';
import { ConflictingDefinitionError, InvalidDefinitionError } from '../errors.js';
import { DEFAULT_CLOCK } from '../record/core.js';
import { DropRecorder } from '../record/drops.js';
import type { InstrumentContext } from '../record/instruments.js';
import { EXEMPLARS } from '../record/exemplars.js';
import { DEFAULT_CARDINALITY_LIMIT, NATIVE_HISTOGRAM_METER } from '../limits.js';
import type { PromClientRuntimeOptions } from '../runtime/prom-client-names.js';
import { currentBinding, onBinding, type PromClientBinding } from './bridge.js';

/** The instrumentation scope every `promkit/prom-client` metric is recorded under. */
export const PROM_CLIENT_METER_NAME = 'promkit.prom-client';

/** The type names prom-client reports (`metric.type`, the JSON `type`). */
export type PromClientType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** What two definitions of one name must agree on. */
export interface Shape {
  readonly type: PromClientType;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
}

/** A compat metric that owns OpenTelemetry instruments and moves them on a rebind. */
export interface Attachable {
  attach(meter: Meter): void;
}

/** Runs before a collection reads synchronous instruments: `collect()` of histograms and summaries. */
export type CollectHook = () => void | Promise<void>;

/**
 * prom-client's rule (`^[a-zA-Z_:][a-zA-Z0-9_:]*$`) narrowed to what promkit exports unchanged:
 * OpenTelemetry instrument names start with a letter, and the exporter turns `:` (reserved for
 * recording rules) into `_` and collapses `__`.
 */
const METRIC_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,254}$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkDefinition(name: unknown, help: unknown, shape: Shape): void {
  const label = String(name);
  const problem =
    (typeof name !== 'string' || !METRIC_NAME.test(name)
      ? `name ${JSON.stringify(name)} is not a metric name promkit exports unchanged (a letter, then letters, digits and "_"; no ":", which Prometheus reserves for recording rules)`
      : undefined) ??
    (typeof name === 'string' && name.includes('__') ? `name ${JSON.stringify(name)} contains "__", which the exporter collapses to "_"` : undefined) ??
    (typeof help !== 'string' || help.trim() === '' ? 'help is missing: prom-client requires it, and it becomes the # HELP text' : undefined) ??
    (!Array.isArray(shape.labelNames) ? `labelNames must be an array of label names, got ${JSON.stringify(shape.labelNames)}` : undefined) ??
    shape.labelNames.map((key) => (typeof key === 'string' && LABEL_NAME.test(key) ? undefined : `label ${JSON.stringify(key)} is not a Prometheus label name`)).find(Boolean) ??
    checkAttributeKeys(shape.labelNames) ??
    (shape.buckets === undefined ? undefined : checkBoundaries(shape.buckets));
  if (problem !== undefined) throw new InvalidDefinitionError(label, problem);
}

class PromClientCore {
  meter: Meter;
  readonly context: InstrumentContext;
  readonly #drops: DropRecorder;
  readonly #definitions = new Map<string, { readonly shape: Shape; readonly metric: object }>();
  readonly #attached = new Set<Attachable>();
  readonly #hooks = new Set<CollectHook>();
  #hookGauge: ObservableGauge | undefined;
  #runtime: { readonly options: PromClientRuntimeOptions | undefined } | undefined;

  constructor(provider: MeterProvider) {
    this.meter = provider.getMeter(PROM_CLIENT_METER_NAME);
    this.#drops = new DropRecorder(this.meter);
    this.context = {
      drops: this.#drops,
      clock: DEFAULT_CLOCK,
      meters: { bound: provider.getMeter(`${PROM_CLIENT_METER_NAME}.bound`), native: provider.getMeter(NATIVE_HISTOGRAM_METER) },
      limits: { cardinality: DEFAULT_CARDINALITY_LIMIT },
      exemplars: EXEMPLARS,
      native: { histograms: new Map() },
      meterName: PROM_CLIENT_METER_NAME,
      // prom-client histograms record through the SDK (labels are resolved per call there anyway).
      reporting: { producer: undefined, buckets: {} },
    };
    this.#attachHooks();
    onBinding((binding) => this.#bind(binding));
  }

  /**
   * The metric already defined under `name` when its shape matches (get-or-create, so no
   * "already registered" error on a second definition), a new one from `create` otherwise.
   */
  define<M extends object>(name: string, help: unknown, shape: Shape, create: () => M): M {
    const existing = this.#definitions.get(name);
    if (existing !== undefined) {
      if (!sameShape(existing.shape, shape)) throw new ConflictingDefinitionError(name, existing.shape, shape);
      return existing.metric as M;
    }
    checkDefinition(name, help, shape);
    const metric = create();
    this.#definitions.set(name, { shape, metric });
    return metric;
  }

  track(instrument: Attachable): void {
    this.#attached.add(instrument);
  }

  addCollectHook(hook: CollectHook): void {
    this.#hooks.add(hook);
  }

  /** prom-client's `collectDefaultMetrics()`: prom-client's runtime names on the running (or next) promkit. */
  collectDefaultMetrics(options: PromClientRuntimeOptions | undefined): void {
    this.#runtime ??= { options };
    currentBinding()?.enableRuntimeNames(this.#runtime.options);
  }

  /**
   * Histograms have no collection callback of their own; one observable gauge that never
   * reports (so it is never exported) runs their `collect()` hooks, before the SDK reads the
   * synchronous instruments.
   */
  #attachHooks(): void {
    this.#hookGauge = this.meter.createObservableGauge(`${PROM_CLIENT_METER_NAME.replace(/\W/g, '_')}_collect_hooks`);
    this.#hookGauge.addCallback(async () => {
      for (const hook of this.#hooks) {
        try {
          await hook();
        } catch (error) {
          this.#drops.drop('collect', 'callback_error', `a collect() function threw ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    });
  }

  #bind(binding: PromClientBinding | undefined): void {
    if (binding === undefined) return;
    this.meter = binding.meterProvider.getMeter(PROM_CLIENT_METER_NAME);
    this.context.meters.bound = binding.meterProvider.getMeter(`${PROM_CLIENT_METER_NAME}.bound`);
    this.context.meters.native = binding.meterProvider.getMeter(NATIVE_HISTOGRAM_METER);
    this.context.limits.cardinality = binding.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
    this.#drops.rebind(this.meter);
    this.#attachHooks();
    for (const instrument of this.#attached) instrument.attach(this.meter);
    if (this.#runtime !== undefined) binding.enableRuntimeNames(this.#runtime.options);
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  const same = (x: readonly unknown[], y: readonly unknown[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.type === b.type && same([...a.labelNames].sort(), [...b.labelNames].sort()) && same(a.buckets ?? [], b.buckets ?? []);
}

/** The one compat core of this process. */
export const core = new PromClientCore(otelMetrics.getMeterProvider());
