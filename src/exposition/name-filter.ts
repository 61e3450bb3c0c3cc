/**
 * The `?name=` selection shared by the three endpoints: read one component's series without the
 * whole body. A name is matched exactly, as the OpenTelemetry name (`http.server.request.duration`)
 * or as the Prometheus family name the scrape shows (`http_server_request_duration_seconds`,
 * `cache_hits_total`); both are unambiguous, so accepting either costs nothing and saves the
 * caller a lookup. `name[]=` is accepted too, the spelling Prometheus's own APIs use.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricDefinition } from '../catalogue/types.js';
import { kindOf } from './kind.js';
import { prometheusKind, prometheusName, type NamingOptions, type PrometheusKind } from '../naming.js';

/** The exact names asked for. */
export type NameFilter = ReadonlySet<string>;

const PARAMETERS = ['name', 'name[]'] as const;

/** The names in `?name=a&name[]=b`; undefined when none is given (no filtering). Empty values are ignored. */
export function parseNameFilter(query: URLSearchParams): NameFilter | undefined {
  const names = new Set<string>();
  for (const parameter of PARAMETERS) {
    for (const value of query.getAll(parameter)) if (value !== '') names.add(value);
  }
  return names.size === 0 ? undefined : names;
}

/** The filter as a key for sharing rendered bodies: the same names in any order or spelling of the parameter are one body. */
export function nameVariant(query: URLSearchParams): string {
  const names = parseNameFilter(query);
  return names === undefined ? '' : [...names].sort().join('\n');
}

function matches(names: NameFilter, otelName: string, unit: string, kind: PrometheusKind | undefined, naming: NamingOptions): boolean {
  return names.has(otelName) || (kind !== undefined && names.has(prometheusName(otelName, unit, kind, naming)));
}

/** Whether a catalogue entry is asked for (the health view asks by the metrics a component comes from). */
export function definitionSelected(names: NameFilter, definition: MetricDefinition, naming: NamingOptions = {}): boolean {
  return matches(names, definition.name, definition.unit, prometheusKind(definition.kind), naming);
}

/**
 * The collection with only the asked-for metrics. Scopes left empty are dropped; the metric data
 * objects are the collected ones, not copies.
 */
export function selectMetrics(resourceMetrics: ResourceMetrics, names: NameFilter, naming: NamingOptions = {}): ResourceMetrics {
  const scopeMetrics = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    const metrics = scope.metrics.filter((metric) => {
      const kind = kindOf(metric);
      return matches(names, metric.descriptor.name, metric.descriptor.unit, kind === undefined ? undefined : prometheusKind(kind), naming);
    });
    if (metrics.length > 0) scopeMetrics.push({ scope: scope.scope, metrics });
  }
  return { resource: resourceMetrics.resource, scopeMetrics };
}
