import { basename } from 'node:path';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * The resource every series is scraped with (as `target_info`): the SDK's defaults
 * (`telemetry.sdk.*`) overlaid with configured attributes. Without a configured name,
 * `service.name` is `unknown_service:<executable>` as the resource spec says; the executable's
 * base name, not the SDK's full path (`unknown_service:/usr/local/bin/node`), which is noise
 * in every dashboard legend.
 */
export function createResource(attributes: Readonly<Record<string, string>>): Resource {
  return defaultResource().merge(
    resourceFromAttributes({ 'service.name': `unknown_service:${basename(process.argv0 || 'node')}`, ...attributes }),
  );
}
