import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * The resource every series is scraped with (as `target_info`): the SDK's defaults
 * (`service.name=unknown_service:node`, `telemetry.sdk.*`) overlaid with configured attributes.
 */
export function createResource(attributes: Readonly<Record<string, string>>): Resource {
  return defaultResource().merge(resourceFromAttributes({ ...attributes }));
}
