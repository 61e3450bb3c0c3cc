/**
 * Renders the catalogue as the markdown reference in `docs/catalogue.md`. Pure and deterministic,
 * so a test can compare the committed file with a fresh render and fail when the docs drift.
 */
import { prometheusKind, prometheusName } from '../src/naming.js';
import { CATALOGUE } from '../src/catalogue/index.js';
import { DOMAINS, type Domain, type MetricDefinition } from '../src/catalogue/types.js';

const DOMAIN_TITLES: Readonly<Record<Domain, string>> = {
  http: 'HTTP',
  llm: 'LLM (GenAI)',
  cache: 'Cache',
  db: 'Database',
  circuit_breaker: 'Circuit breaker',
  runtime: 'Runtime',
  promkit: 'promkit itself',
};

/** The series names as scraped, with unit suffixes on (promkit's default). */
export function scrapedNames(def: MetricDefinition): readonly string[] {
  const kind = prometheusKind(def.kind);
  const base = prometheusName(def.name, def.unit, kind);
  return kind === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
}

function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

function row(def: MetricDefinition): string {
  const cells = [
    code(def.name),
    scrapedNames(def).map(code).join('<br>'),
    def.kind,
    code(def.unit),
    def.attributes.length === 0 ? '–' : def.attributes.map(code).join(', '),
    def.boundaries === undefined ? '–' : def.boundaries.join(', '),
  ];
  return `| ${cells.join(' | ')} |`;
}

export function renderCatalogueMarkdown(): string {
  const lines = [
    '# Metric catalogue',
    '',
    '<!-- Generated from src/catalogue by scripts/catalogue-docs.ts; do not edit by hand. -->',
    '<!-- Regenerate: npm run generate -->',
    '',
    'Every metric promkit ships. Prometheus names are shown as scraped with unit suffixes on',
    '(the default); with `unitSuffixes: false` the `_seconds`, `_bytes` and `_ratio` parts are',
    'left out. Histograms always use the boundaries listed here unless overridden.',
  ];
  for (const domain of DOMAINS) {
    const defs = CATALOGUE.filter((def) => def.domain === domain);
    if (defs.length === 0) continue;
    lines.push(
      '',
      `## ${DOMAIN_TITLES[domain]}`,
      '',
      '| OTel name | Prometheus name(s) | kind | unit | attributes | buckets |',
      '| --- | --- | --- | --- | --- | --- |',
      ...defs.map(row),
    );
  }
  return `${lines.join('\n')}\n`;
}
