// Every `ts` and `js` block of README.md and docs/*.md runs: each is kept, character for
// character, as the region of a file in examples/snippets/ (type-checked by `npm test`'s
// typecheck step, against the built package as `promkit`), and each such file runs here on the
// built package, with the checks around the region. Changing a block without its file, or
// breaking either, fails this test. The rule is in CONTRIBUTING.md, "Code in the docs".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { promtool } from '../helpers/promtool.js';
import { docBlocks, NOT_RUN_LANGUAGES, RUN_LANGUAGES, runs, snippetRegion } from '../helpers/doc-blocks.js';

const SNIPPETS = 'examples/snippets';
const blocks = docBlocks(ROOT);
const snippets = readdirSync(join(ROOT, SNIPPETS))
  .filter((name) => /\.(ts|mjs)$/.test(name))
  .sort()
  .map((name) => ({ file: `${SNIPPETS}/${name}`, region: snippetRegion(readFileSync(join(ROOT, SNIPPETS, name), 'utf8')) }));
const where = (block: { file: string; line: number }) => `${block.file}:${block.line}`;

describe('code blocks in README.md and docs/*.md', () => {
  test('every block has a language the rule knows (run: ts, js; parsed: promql; not run: sh, json, yaml, text, untagged)', () => {
    const known = [...RUN_LANGUAGES, ...NOT_RUN_LANGUAGES] as readonly string[];
    expect(blocks.filter((block) => !known.includes(block.language)).map((block) => `${where(block)} ${block.info}`)).toEqual([]);
    expect(blocks.filter(runs).length).toBeGreaterThanOrEqual(18);
  });

  test(`every ts and js block is the region of exactly one file in ${SNIPPETS}/, with the matching extension`, () => {
    const problems = blocks.filter(runs).flatMap((block) => {
      const kept = snippets.filter((snippet) => snippet.region === block.code);
      if (kept.length !== 1) return [`${where(block)}: kept in ${kept.length} snippet files (edit the block and its file together)`];
      const extension = block.language === 'ts' ? '.ts' : '.mjs';
      return kept[0]!.file.endsWith(extension) ? [] : [`${where(block)}: a ${block.language} block kept in ${kept[0]!.file}`];
    });
    expect(problems).toEqual([]);
  });

  test(`every file in ${SNIPPETS}/ shows one doc block (no snippet outlives its block)`, () => {
    const shown = new Set(blocks.filter(runs).map((block) => block.code));
    expect(snippets.filter((snippet) => snippet.region === undefined || !shown.has(snippet.region)).map((snippet) => snippet.file)).toEqual([]);
  });

  test.each(snippets.map((snippet) => [snippet.file]))('%s runs on the built package and its checks pass', (file) => {
    expect(existsSync(join(ROOT, 'dist', 'bundle', 'index.js')), 'run `npm run build` first').toBe(true);
    const typescript = file.endsWith('.ts') ? ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'] : [];
    const result = spawnSync(process.execPath, [...typescript, file], {
      cwd: ROOT,
      encoding: 'utf8',
      // A block that calls start() without a port would take 9464; other tests run beside this one.
      env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      timeout: 30_000,
    });
    expect(result.status, `${file} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`).toBe(0);
  });

  test('every promql block parses as PromQL (promtool check rules, one recording rule per expression)', () => {
    // An expression starts at column 0 and goes on over indented lines; `#` at the start of a line, or after two spaces, starts a comment.
    const expressions = blocks
      .filter((block) => block.language === 'promql')
      .flatMap((block) =>
        block.code
          .split('\n')
          .map((line) => line.replace(/(^|\s{2,})#.*$/, ''))
          .reduce<{ at: string; expr: string }[]>((all, line, i) => {
            if (/^\s/.test(line) && all.length > 0) all[all.length - 1]!.expr += ` ${line.trim()}`;
            else if (line.trim() !== '') all.push({ at: `${where(block)}+${i + 1}`, expr: line.trim() });
            return all;
          }, []),
      );
    expect(expressions.length).toBeGreaterThanOrEqual(10);
    const dir = mkdtempSync(join(tmpdir(), 'promkit-doc-promql-'));
    try {
      const rules = expressions.map(({ expr }, i) => `      - record: doc_expression_${i}\n        expr: ${JSON.stringify(expr)}`).join('\n');
      writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: docs\n    rules:\n${rules}\n`);
      const checked = promtool('check', 'rules', join(dir, 'rules.yml'));
      expect(checked.status, `${checked.output}\n${expressions.map((e, i) => `${i}: ${e.at} ${e.expr}`).join('\n')}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
