import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

/**
 * docs/architecture.md's "What may import what" table, read as data, checked against every
 * import in src/ and instrumentation/. Parsing the page keeps the two in step: a change of the
 * rules is a change of the page.
 */

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '../..'));
const CHECKED = ['src/', 'instrumentation/'];

/** One row: the modules it covers, and what they may import (values, and types only). */
interface Row {
  readonly line: number;
  readonly covers: readonly string[];
  readonly imports: readonly string[];
  readonly types: readonly string[];
}

/** One import of a promkit module: the file it is in, the specifier as written, its target. */
interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

/** A backticked path: a folder (`…/`) or a `.ts` file, under `src/` unless rooted elsewhere. */
function pathsIn(cell: string): string[] {
  const paths: string[] = [];
  for (const [, token] of cell.matchAll(/`([^`]+)`/g)) {
    if (token === undefined || !(token.endsWith('/') || token.endsWith('.ts'))) continue;
    const rooted = ['src/', 'instrumentation/', 'scripts/', 'test/', 'examples/', 'bench/'].some((root) => token.startsWith(root));
    paths.push(rooted ? token : `src/${token}`);
  }
  return paths;
}

function parseTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((l) => l.trim() === '## What may import what');
  if (heading === -1) throw new Error('docs/architecture.md has no "## What may import what" section');
  const rows: Row[] = [];
  let inTable = false;
  for (let i = heading + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('## ')) break;
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|');
    if (cells.length !== 3) throw new Error(`docs/architecture.md:${i + 1}: a row needs 3 cells, has ${cells.length}`);
    if (/^-+$/.test(cells[0]!.trim()) || cells[0]!.trim() === 'folder or module') continue;
    const covers = pathsIn(cells[0]!).filter((p) => CHECKED.some((root) => p.startsWith(root)));
    if (covers.length === 0) continue; // scripts/, examples/, bench/, test/: not checked here
    rows.push({ line: i + 1, covers, imports: pathsIn(cells[1]!), types: pathsIn(cells[2]!) });
  }
  return rows;
}

const within = (file: string, path: string) => (path.endsWith('/') ? file.startsWith(path) : file === path);

/** The row whose covered path is the most specific one containing `file`, and that path. */
function rowOf(rows: readonly Row[], file: string): { row: Row; key: string } | undefined {
  let best: { row: Row; key: string } | undefined;
  for (const row of rows) {
    for (const key of row.covers) {
      if (within(file, key) && (best === undefined || key.length > best.key.length)) best = { row, key };
    }
  }
  return best;
}

/** Every import of a promkit module in `text` (the file at repository path `file`). */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith('.')) return; // packages and node: built-ins
    const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
    found.push({ file, specifier, target, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const allTypes = node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) add(argument.text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What breaks the table: one line per import, naming file, import and the rule. */
function violations(rows: readonly Row[], imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const imp of imports) {
    const from = rowOf(rows, imp.file);
    if (from === undefined) continue; // reported by the coverage test
    const to = rowOf(rows, imp.target);
    if (to !== undefined && to.key === from.key) continue; // inside its own folder or file
    const allowed = from.row.imports.some((p) => within(imp.target, p));
    const typeAllowed = from.row.types.some((p) => within(imp.target, p));
    if (allowed || (imp.typeOnly && typeAllowed)) continue;
    const rule = typeAllowed ? 'only types may be imported from it' : 'not in its "may import"';
    problems.push(`${imp.file}: import '${imp.specifier}' (${imp.target}): ${rule} (row ${from.key}, docs/architecture.md:${from.row.line})`);
  }
  return problems;
}

/** Import cycles among files, each as the files it passes through. */
function cycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const imp of imports) {
    let set = edges.get(imp.file);
    if (set === undefined) edges.set(imp.file, (set = new Set()));
    set.add(imp.target);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) walk(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) walk(file);
  return found;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory()) files.push(...sourceFiles(`${path}/`));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

const ROWS = parseTable(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
const FILES = CHECKED.flatMap(sourceFiles).map((file) => relative(ROOT, join(ROOT, file)));
const IMPORTS = FILES.flatMap((file) => importsOf(file, readFileSync(join(ROOT, file), 'utf8')));

describe('docs/architecture.md "What may import what", against the code', () => {
  test('every import in src/ and instrumentation/ is one its row allows', () => {
    expect(IMPORTS.length).toBeGreaterThan(300);
    expect(violations(ROWS, IMPORTS)).toEqual([]);
  });

  test('every file in src/ and instrumentation/ has a row, and no path is claimed by two rows', () => {
    expect(FILES.filter((file) => rowOf(ROWS, file) === undefined)).toEqual([]);
    const keys = ROWS.flatMap((row) => row.covers);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  });

  test('every path the table names exists', () => {
    const exists = (path: string) => FILES.some((file) => within(file, path));
    const named = ROWS.flatMap((row) => [...row.covers, ...row.imports, ...row.types]).filter((p) => CHECKED.some((root) => p.startsWith(root)));
    expect(named.filter((path) => !exists(path))).toEqual([]);
  });

  test('no import cycle among files, type imports included', () => {
    expect(cycles(IMPORTS)).toEqual([]);
  });
});

describe('the check itself', () => {
  const imports = (file: string, text: string) => importsOf(file, text);

  test('reads static, re-export, dynamic and type imports, and which of them are type-only', () => {
    const found = imports(
      'src/server/x.ts',
      [
        "import { a } from '../facade/a.js';",
        "import type { B } from '../otel/b.js';",
        "import { type C, type D } from '../runtime/c.js';",
        "import { type E, f } from '../runtime/e.js';",
        "export { g } from '../health/g.js';",
        "export type { H } from '../health/h.js';",
        "const i = await import('../push/i.js');",
        "let j: import('../cluster/j.js').J;",
        "import './side-effect.js';",
        "import { k } from 'node:fs';",
      ].join('\n'),
    );
    expect(found.map((i) => [i.target, i.typeOnly])).toEqual([
      ['src/facade/a.ts', false],
      ['src/otel/b.ts', true],
      ['src/runtime/c.ts', true],
      ['src/runtime/e.ts', false],
      ['src/health/g.ts', false],
      ['src/health/h.ts', true],
      ['src/push/i.ts', false],
      ['src/cluster/j.ts', true],
      ['src/server/side-effect.ts', false],
    ]);
  });

  test('a forbidden import is reported with its file and specifier: the engine importing the facade', () => {
    const bad = imports('src/record/cells.ts', "import { metrics } from '../facade/metrics.js';");
    expect(violations(ROWS, bad)).toEqual([
      expect.stringMatching(/^src\/record\/cells\.ts: import '\.\.\/facade\/metrics\.js' \(src\/facade\/metrics\.ts\): not in its "may import" \(row src\/record\//),
    ]);
  });

  test('the server may import types from otel/, but not values; nor anything from the facade', () => {
    const ok = imports('src/server/endpoints.ts', "import type { PrometheusReader } from '../otel/reader.js';");
    expect(violations(ROWS, ok)).toEqual([]);
    const value = imports('src/server/endpoints.ts', "import { createPrometheusReader } from '../otel/reader.js';");
    expect(violations(ROWS, value)).toEqual([expect.stringContaining('only types may be imported from it')]);
    const facade = imports('src/server/server.ts', "import { setRoute } from '../facade/http/route.js';");
    expect(violations(ROWS, facade)).toEqual([expect.stringContaining("src/server/server.ts: import '../facade/http/route.js'")]);
  });

  test('instrumentation/ may not import the composition root', () => {
    const bad = imports('instrumentation/koa.ts', "import { start } from '../src/start.js';");
    expect(violations(ROWS, bad)).toEqual([expect.stringContaining("instrumentation/koa.ts: import '../src/start.js'")]);
  });

  test('a cycle is found, through type imports too', () => {
    const found = [...imports('src/a.ts', "import { b } from './b.js';"), ...imports('src/b.ts', "import type { A } from './a.js';")];
    expect(cycles(found)).toEqual([['src/a.ts', 'src/b.ts', 'src/a.ts']]);
  });
});
