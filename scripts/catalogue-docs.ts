/**
 * Writes `docs/catalogue.md` from the catalogue. The docs test calls {@link writeCatalogueDocs}
 * when `PROMKIT_REGENERATE=1`; regenerate every derived file with:
 *
 *   npm run generate
 *
 * Run directly, this file also writes the docs, given a TypeScript-aware runner that resolves
 * the source tree's `.js` import specifiers to `.ts` files.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderCatalogueMarkdown } from './catalogue-markdown.js';

export const CATALOGUE_DOCS_PATH = fileURLToPath(new URL('../docs/catalogue.md', import.meta.url));

export function writeCatalogueDocs(path: string = CATALOGUE_DOCS_PATH): void {
  writeFileSync(path, renderCatalogueMarkdown());
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  writeCatalogueDocs();
  console.log(`wrote ${CATALOGUE_DOCS_PATH}`);
}
