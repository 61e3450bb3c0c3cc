// A fresh app that installs promkit's tarball beside `@opentelemetry/sdk-node` (from the npm
// registry, as a user would) must hold one copy of each OpenTelemetry package: a second
// sdk-metrics would give the app two MeterProvider implementations that do not know each other.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

interface LsNode {
  readonly version?: string;
  readonly dependencies?: Record<string, LsNode>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8' });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.error?.message}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('promkit beside @opentelemetry/sdk-node', () => {
  test('depends on the OpenTelemetry 3.x SDK packages by caret ranges, so a patch release beside sdk-node dedupes', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@opentelemetry/resources']).toBe('^3.1.1');
    expect(manifest.dependencies['@opentelemetry/sdk-metrics']).toBe('^3.1.1');
    // The API stays within the minor line the 3.x SDK packages declare as their peer (>=1.10.0 <1.11.0).
    expect(manifest.dependencies['@opentelemetry/api']).toBe('~1.10.0');
  });

  test('a fresh install of the tarball and sdk-node holds one copy of each OpenTelemetry package', () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    const dir = mkdtempSync(join(tmpdir(), 'promkit-sdk-node-'));
    dirs.push(dir);
    // --ignore-scripts: `prepack` would delete and rebuild dist/ under the other test files.
    const [packed] = JSON.parse(check(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT), 'npm pack')) as { filename: string }[];
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'sdk-node-app', private: true, type: 'module', dependencies: { promkit: `file:./${packed!.filename}`, '@opentelemetry/sdk-node': '^0.301.0' } }),
    );
    check(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir), 'npm install');
    // `npm ls` exits non-zero for a missing optional peer; its JSON is complete either way.
    const tree = JSON.parse(run('npm', ['ls', '--all', '--json'], dir).stdout) as { dependencies?: Record<string, LsNode> };
    const versions = new Map<string, Set<string>>();
    const walk = (dependencies: Record<string, LsNode> | undefined): void => {
      for (const [name, node] of Object.entries(dependencies ?? {})) {
        if (node.version === undefined || !name.startsWith('@opentelemetry/')) continue;
        versions.set(name, (versions.get(name) ?? new Set()).add(node.version));
        walk(node.dependencies);
      }
    };
    walk(tree.dependencies);
    expect([...versions.keys()]).toEqual(expect.arrayContaining(['@opentelemetry/sdk-node', '@opentelemetry/sdk-metrics', '@opentelemetry/resources', '@opentelemetry/api']));
    expect([...versions].filter(([, set]) => set.size > 1).map(([name, set]) => `${name}@${[...set].join('+')}`)).toEqual([]);
    // And on disk: no nested copy anywhere below node_modules/promkit or sdk-node.
    const nested = check(run('find', ['node_modules', '-mindepth', '3', '-path', '*/node_modules/@opentelemetry/*', '-name', 'package.json', '-maxdepth', '6'], dir), 'find');
    expect(nested.split('\n').filter((line) => /node_modules\/.+\/node_modules\/@opentelemetry\/[^/]+\/package\.json$/.test(line))).toEqual([]);
  }, 120_000);
});
