import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_DOCS_PATH, writeCatalogueDocs } from '../../../scripts/catalogue-docs.js';
import { CATALOGUE, DOMAINS } from '../../../src/catalogue/index.js';
import { renderCatalogueMarkdown, scrapedNames } from '../../../scripts/catalogue-markdown.js';

const REGENERATE = 'npm run generate';

describe('docs/catalogue.md', () => {
  it('equals a fresh render of the catalogue', () => {
    if (process.env.PROMKIT_REGENERATE === '1') writeCatalogueDocs();
    const onDisk = readFileSync(CATALOGUE_DOCS_PATH, 'utf8');
    expect(onDisk, `docs/catalogue.md is out of date with src/catalogue; regenerate it with: ${REGENERATE}`).toBe(
      renderCatalogueMarkdown(),
    );
  });

  it('renders one table per domain and one row per entry', () => {
    const markdown = renderCatalogueMarkdown();
    expect(markdown.match(/^\| OTel name \|/gm)).toHaveLength(DOMAINS.length);
    for (const def of CATALOGUE) expect(markdown).toContain(`| \`${def.name}\` |`);
  });
});

describe('scraped names', () => {
  it('lists the bucket, sum and count series of a seconds histogram', () => {
    const def = CATALOGUE.find((d) => d.name === 'http.server.request.duration');
    expect(def && scrapedNames(def)).toEqual([
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_sum',
      'http_server_request_duration_seconds_count',
    ]);
  });

  it('adds _total to counters and drops unit annotations', () => {
    const names = Object.fromEntries(CATALOGUE.map((d) => [d.name, scrapedNames(d)]));
    expect(names['cache.hits']).toEqual(['cache_hits_total']);
    expect(names['process.cpu.time']).toEqual(['process_cpu_time_seconds_total']);
    expect(names['gen_ai.client.token.usage']?.[1]).toBe('gen_ai_client_token_usage_sum');
  });

  it('renders up-down counters as gauges without _total or _ratio', () => {
    const names = Object.fromEntries(CATALOGUE.map((d) => [d.name, scrapedNames(d)]));
    expect(names['db.client.connection.count']).toEqual(['db_client_connection_count']);
    expect(names['v8js.memory.heap.used']).toEqual(['v8js_memory_heap_used_bytes']);
    expect(names['nodejs.eventloop.utilization']).toEqual(['nodejs_eventloop_utilization_ratio']);
  });
});
