/**
 * The fenced code blocks of README.md and docs/*.md, and the rule that says which of them run
 * (CONTRIBUTING.md, "Code in the docs"): a block whose language is `ts` or `js` is code and must
 * be kept, character for character, as the `// #region doc` of a file in examples/snippets/,
 * which the tests run; a block tagged `ts no-run` is a type description (a schema with `…`);
 * `promql` blocks are parsed by promtool; `sh`, `json`, `yaml`, `text` and untagged blocks are
 * commands, configuration and output samples, not run here. Any other language fails the test until it is given to one side.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_LANGUAGES = ['ts', 'js'] as const;
export const NOT_RUN_LANGUAGES = ['sh', 'promql', 'json', 'yaml', 'text', ''] as const;

export interface DocBlock {
  /** `README.md` or `docs/facade.md`. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string after the fence: `ts`, `ts no-run`, `sh`, `` (untagged). */
  readonly info: string;
  readonly language: string;
  readonly code: string;
}

/** Every fenced block of README.md and docs/*.md under `root`, in order. */
export function docBlocks(root: string, files = docFiles(root)): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    let open: { line: number; indent: string; info: string; body: string[] } | undefined;
    lines.forEach((text, index) => {
      if (open === undefined) {
        // A fence may be indented (a block inside a list item); its body loses that indent.
        const fence = /^(\s*)```(.*)$/.exec(text);
        if (fence) open = { line: index + 1, indent: fence[1]!, info: fence[2]!.trim(), body: [] };
        return;
      }
      if (text.trim() === '```') {
        blocks.push({ file, line: open.line, info: open.info, language: open.info.split(/\s+/)[0] ?? '', code: open.body.join('\n') });
        open = undefined;
        return;
      }
      open.body.push(text.startsWith(open.indent) ? text.slice(open.indent.length) : text);
    });
    if (open !== undefined) throw new Error(`${file}:${(open as { line: number }).line}: code block never closed`);
  }
  return blocks;
}

export function docFiles(root: string): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

/** Whether the rule runs `block`. */
export function runs(block: DocBlock): boolean {
  return (RUN_LANGUAGES as readonly string[]).includes(block.language) && !/\bno-run\b/.test(block.info);
}

/** The part of a snippet file that a doc shows: between `// #region doc` and `// #endregion doc`. */
export function snippetRegion(source: string): string | undefined {
  const match = /^\/\/ #region doc\n([\s\S]*?)\n\/\/ #endregion doc$/m.exec(source);
  return match?.[1];
}
