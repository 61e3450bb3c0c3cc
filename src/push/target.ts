/**
 * Which `job` and `instance` pushed series carry, from the resource as the OpenTelemetry →
 * Prometheus compatibility spec maps it: `job` is `service.namespace/service.name` (or
 * `service.name` alone), `instance` is `service.instance.id`. Without an instance id, remote
 * write uses `<hostname>:<pid>` (one series per process, as a scrape's `host:port` would be),
 * and the Pushgateway `<hostname>` (the next run of a batch job on that host replaces the last
 * one's group instead of leaving a group per run behind).
 */
import type { Attributes } from '@opentelemetry/api';
import { hostname } from 'node:os';
import type { TargetLabels } from './series.js';

export function targetLabels(attributes: Attributes, instanceDefault: 'host-and-pid' | 'host'): TargetLabels {
  const text = (key: string) => {
    const value = attributes[key];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const name = text('service.name') ?? 'unknown_service';
  const namespace = text('service.namespace');
  return {
    job: namespace === undefined ? name : `${namespace}/${name}`,
    instance: text('service.instance.id') ?? (instanceDefault === 'host' ? hostname() : `${hostname()}:${process.pid}`),
  };
}
