import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * This process's `service.instance.id` when none is configured: a random UUID drawn once, so it is
 * stable for the life of the process and unique across pods, cluster workers and PM2 instances,
 * as the OpenTelemetry Node SDK's service-instance detector makes it.
 */
let generatedInstanceId: string | undefined;
export function processInstanceId(): string {
  generatedInstanceId ??= randomUUID();
  return generatedInstanceId;
}

/**
 * The identity attributes every output carries (scrape `target_info`, OTLP, remote write): a
 * `service.instance.id` (see {@link processInstanceId}), `host.name` and `process.pid`.
 * Configured attributes (`OTEL_RESOURCE_ATTRIBUTES`, `resourceAttributes`) override each of them.
 */
export function identityAttributes(): Record<string, string | number> {
  return { 'service.instance.id': processInstanceId(), 'host.name': hostname(), 'process.pid': process.pid };
}

/**
 * The resource every series is scraped with (as `target_info`): the SDK's defaults
 * (`telemetry.sdk.*`), the process identity, then configured attributes. Without a configured
 * name, `service.name` is `unknown_service:<executable>` as the resource spec says; the
 * executable's base name, not the SDK's full path (`unknown_service:/usr/local/bin/node`), which
 * is noise in every dashboard legend.
 */
export function createResource(attributes: Readonly<Record<string, string>>): Resource {
  return defaultResource().merge(
    resourceFromAttributes({ 'service.name': `unknown_service:${basename(process.argv0 || 'node')}`, ...identityAttributes(), ...attributes }),
  );
}
