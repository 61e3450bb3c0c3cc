/**
 * index.d.ts parity: one program typed against prom-client (test/fixtures/prom-client-types.ts,
 * covering every export and method of prom-client's index.d.ts) compiles with its
 * 'promkit/prom-client' import resolved to prom-client's own types and to promkit's. The same
 * program must give no type error either way.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** The program's source (kept as .txt, see its header), served to the compiler as a .ts file beside it. */
const source = readFileSync(`${root}test/fixtures/prom-client-types.ts.txt`, 'utf8');
const fixture = `${root}test/fixtures/prom-client-types.ts`;

function errorsWith(target: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    paths: { 'promkit/prom-client': [target] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === fixture ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  host.fileExists = ((exists) => (name: string) => name === fixture || exists(name))(host.fileExists.bind(host));
  const program = ts.createProgram([fixture], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${d.file?.fileName.slice(root.length) ?? ''}:${line} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

test("a program typed against prom-client compiles against prom-client's types (the reference)", { timeout: 60_000 }, () => {
  expect(errorsWith(createRequire(import.meta.url).resolve('prom-client/index.d.ts'))).toEqual([]);
});

test("the same program compiles against promkit/prom-client's types", { timeout: 60_000 }, () => {
  expect(errorsWith(`${root}src/prom-client/index.ts`)).toEqual([]);
});
