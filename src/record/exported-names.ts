/**
 * Definition-time guard against metrics that are different in OpenTelemetry but the same in
 * Prometheus: `x.y` and `x_y`, a user `http_server_request_duration` beside the catalogue's
 * `http.server.request.duration`, a histogram `zz` (whose `zz_count` series exists) beside a gauge
 * `zz.count`. Names are compared as the exporter writes them (`src/naming.ts` decides), with
 * and without unit suffixes, since either may be configured.
 */
import { CATALOGUE } from '../catalogue/index.js';
import type { MetricDefinition, MetricKind } from '../catalogue/types.js';
import { ConflictingDefinitionError } from '../errors.js';
import { exportedSampleNames, prometheusKind } from '../naming.js';

/** The part of a definition the exported names depend on. */
interface Named {
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit: string;
}

/** Who owns a sample name: the OTel name and what to show in the error. */
interface Owner {
  readonly name: string;
  readonly display: unknown;
}

function sampleNames(metric: Named): Set<string> {
  const kind = prometheusKind(metric.kind);
  return new Set([
    ...exportedSampleNames(metric.name, metric.unit, kind),
    ...exportedSampleNames(metric.name, metric.unit, kind, { unitSuffixes: false }),
  ]);
}

let catalogueOwners: Map<string, Owner> | undefined;

/** Sample names of every catalogue metric, whichever meter ends up recording it (built once). */
function catalogue(): Map<string, Owner> {
  if (catalogueOwners !== undefined) return catalogueOwners;
  catalogueOwners = new Map();
  for (const definition of CATALOGUE) {
    for (const sample of sampleNames(definition)) catalogueOwners.set(sample, { name: definition.name, display: definition });
  }
  return catalogueOwners;
}

/** The sample names claimed in one facade core, checked against each other and the catalogue. */
export class ExportedNames {
  readonly #owners = new Map<string, Owner>();

  /**
   * Claims `metric`'s sample names, or throws a {@link ConflictingDefinitionError} naming the
   * metric that already owns one. The same OTel name may claim its names again.
   */
  claim(metric: Named, display: unknown): void {
    const names = sampleNames(metric);
    const shared = catalogue();
    for (const sample of names) {
      const owner = this.#owners.get(sample) ?? shared.get(sample);
      if (owner !== undefined && owner.name !== metric.name) {
        throw new ConflictingDefinitionError(
          metric.name,
          owner.display,
          display,
          `would be exported as "${sample}", which "${owner.name}" already exports`,
        );
      }
    }
    for (const sample of names) this.#owners.set(sample, { name: metric.name, display });
  }
}
