/**
 * The Node.js version as resource attributes, so it is scraped on `target_info` (the spec's
 * home for identity) as `process_runtime_version`, instead of prom-client's separate
 * `nodejs_version_info` series (a name the catalogue cannot carry: `_info` is the exporter's).
 * Names are the `process.runtime.*` resource conventions.
 */
export function runtimeResourceAttributes(): Record<string, string> {
  return {
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
  };
}
