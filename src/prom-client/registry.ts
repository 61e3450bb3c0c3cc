/**
 * prom-client's `Registry` over promkit. Every `promkit/prom-client` metric is exported on
 * promkit's endpoint whatever registries it is in; a registry is the list `metrics()` and
 * `getMetricsAsJSON()` report:
 * - the default `register`'s `metrics()` is promkit's whole exposition (catalogue, runtime and
 *   these metrics), the same text the endpoint serves, so an app's own `/metrics` route keeps
 *   working;
 * - another `Registry`'s `metrics()` is that exposition cut to its own metrics.
 */
import { diag } from '@opentelemetry/api';
import { ConfigError } from '../errors.js';
import { prometheusName } from '../naming.js';
import { PROMETHEUS_CONTENT_TYPE } from '../exposition/negotiate.js';
import { currentBinding } from './bridge.js';
import type { MetricObjectWithValues } from './valued.js';

/** What a registry holds: any of this module's metric classes. */
export interface RegisteredMetric {
  readonly name: string;
  readonly help: string;
  get(): Promise<MetricObjectWithValues>;
  reset(): void;
}

export const prometheusContentType = PROMETHEUS_CONTENT_TYPE;
export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

let warnedNotStarted = false;

export class Registry {
  static readonly PROMETHEUS_CONTENT_TYPE = prometheusContentType;
  static readonly OPENMETRICS_CONTENT_TYPE = openMetricsContentType;

  readonly #metrics = new Map<string, RegisteredMetric>();
  readonly #whole: boolean;

  /** `new Registry()` reports only its own metrics; the default `register` reports everything. */
  constructor(contentType: string = PROMETHEUS_CONTENT_TYPE, options: { readonly whole?: boolean } = {}) {
    checkContentType(contentType);
    this.#whole = options.whole === true;
  }

  /** promkit serves the Prometheus text format 0.0.4 only. */
  get contentType(): string {
    return PROMETHEUS_CONTENT_TYPE;
  }

  setContentType(contentType: string): void {
    checkContentType(contentType);
  }

  /** Adds `metric`; the same object again is a no-op, another metric of the same name throws, as in prom-client. */
  registerMetric(metric: RegisteredMetric): void {
    const existing = this.#metrics.get(metric.name);
    if (existing !== undefined && existing !== metric) {
      throw new Error(`A metric with the name ${metric.name} has already been registered.`);
    }
    this.#metrics.set(metric.name, metric);
  }

  getSingleMetric(name: string): RegisteredMetric | undefined {
    return this.#metrics.get(name);
  }

  /** Forgets the metric here. Its series stay on the endpoint: an OpenTelemetry stream cannot be deleted. */
  removeSingleMetric(name: string): void {
    this.#metrics.delete(name);
  }

  /** Forgets every metric here; see {@link removeSingleMetric}. */
  clear(): void {
    this.#metrics.clear();
  }

  /** `reset()` on every metric here (counters and gauges go to 0; histograms cannot, see `Histogram.reset`). */
  resetMetrics(): void {
    for (const metric of this.#metrics.values()) metric.reset();
  }

  getMetricsAsArray(): RegisteredMetric[] {
    return [...this.#metrics.values()];
  }

  /** prom-client's JSON shape for this registry's metrics (not the catalogue's; `/metrics/json` has everything). */
  getMetricsAsJSON(): Promise<MetricObjectWithValues[]> {
    return Promise.all([...this.#metrics.values()].map((metric) => metric.get()));
  }

  /**
   * The Prometheus text: promkit's whole exposition for the default `register`, this registry's
   * metrics otherwise. Empty (with one warning) while promkit is not started.
   */
  async metrics(): Promise<string> {
    const binding = currentBinding();
    if (binding === undefined) {
      if (!warnedNotStarted) {
        warnedNotStarted = true;
        diag.warn('promkit: register.metrics() before promkit started; start it with `node --import promkit/register` or start().');
      }
      return '';
    }
    const text = await binding.scrape();
    return this.#whole ? text : familiesOf(text, new Set([...this.#metrics.values()].map(exportedName)));
  }

  /** One metric's exposition, as in `metrics()`. */
  async getSingleMetricAsString(name: string): Promise<string> {
    const metric = this.#metrics.get(name);
    const binding = currentBinding();
    if (metric === undefined || binding === undefined) return '';
    return familiesOf(await binding.scrape(), new Set([exportedName(metric)]));
  }

  /** Not supported: promkit puts service identity on `target_info` (`resourceAttributes`), not on every series. */
  setDefaultLabels(_labels: Readonly<Record<string, string | number>>): void {
    throw new ConfigError(
      'setDefaultLabels',
      'promkit does not add labels to every series; set resourceAttributes (exported on target_info) or add them with Prometheus relabelling',
    );
  }
}

function checkContentType(contentType: string): void {
  if (contentType !== PROMETHEUS_CONTENT_TYPE) {
    throw new ConfigError('contentType', `"${contentType}" is not served; promkit writes the Prometheus text format (${PROMETHEUS_CONTENT_TYPE})`);
  }
}

/** The family name on the endpoint: a counter without `_total` gets it. */
function exportedName(metric: RegisteredMetric): string {
  return metric instanceof Object && 'inc' in metric && !('set' in metric) ? prometheusName(metric.name, '', 'counter') : metric.name;
}

/** The `# HELP` blocks of `names`, in exposition order. */
function familiesOf(text: string, names: ReadonlySet<string>): string {
  let out = '';
  for (const block of text.split(/(?=^# HELP )/m)) {
    const name = /^# HELP (\S+)/.exec(block)?.[1];
    if (name !== undefined && names.has(name)) out += block;
  }
  return out;
}

/** The default registry: its `metrics()` is promkit's whole exposition. */
export const register = new Registry(PROMETHEUS_CONTENT_TYPE, { whole: true });

/** Adds `metric` to `registers` (default: the default `register`), as prom-client's constructors do. */
export function registerIn(registers: readonly Registry[] | undefined, metric: RegisteredMetric): void {
  for (const registry of registers ?? [register]) registry.registerMetric(metric);
}
