/**
 * Which `job` and `instance` pushed series carry, from the resource as the OpenTelemetry →
 * Prometheus compatibility spec maps it: `job` is `service.namespace/service.name` (or
 * `service.name` alone), `instance` is `service.instance.id`, which promkit's resource always
 * has (a UUID per process unless configured), so remote write's `instance` is the same identity
 * OTLP and `target_info` carry. The Pushgateway's grouping key takes its `instance` from the
 * start-up plan instead (plan.ts): a per-process UUID there would leave a group per run.
 */
import type { Attributes } from '@opentelemetry/api';
import { hostname } from 'node:os';
import type { TargetLabels } from './series.js';

export function targetLabels(attributes: Attributes): TargetLabels {
  const text = (key: string) => {
    const value = attributes[key];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const name = text('service.name') ?? 'unknown_service';
  const namespace = text('service.namespace');
  return {
    job: namespace === undefined ? name : `${namespace}/${name}`,
    // A resource made elsewhere (without promkit's identity) still gets one series per process.
    instance: text('service.instance.id') ?? `${hostname()}:${process.pid}`,
  };
}
