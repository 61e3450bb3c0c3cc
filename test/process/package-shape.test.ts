// The package as npm users get it: `npm pack` the built repository, install the tarball into a
// scratch app in a temp dir, and check what lands in node_modules/promkit and that the
// documented one-line start works from there.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

interface LockEntry {
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly [key: string]: unknown;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, unknown>;
  readonly scripts?: Record<string, string>;
  readonly repository?: { readonly type: string; readonly url: string };
  readonly exports: Record<string, string | { readonly types: string; readonly default: string }>;
  readonly typesVersions?: Record<string, Record<string, string[]>>;
}

/** A package in `npm ls --all --json`. */
interface LsNode {
  readonly version?: string;
  readonly dependencies?: Record<string, LsNode>;
}

let dir = '';
let installed = '';
let packedFiles: string[] = [];
let tarballSize = 0;

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8' });
}

/** A failed child process, with what it printed, as a thrown error. */
function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.error?.message}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/**
 * Installs the tarball without the network: a lockfile built from the repository's own (its
 * production entries, whose tarballs `npm ci` in the repository left in the npm cache) pins the
 * versions the tests ran with. When the cache lacks them, a plain install from the registry.
 */
function install(app: string, tarball: string): void {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'scratch-app', dependencies: { promkit: spec } },
    'node_modules/promkit': {
      version: manifest.version,
      resolved: spec,
      license: manifest.license,
      dependencies: manifest.dependencies,
      engines: manifest.engines,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry;
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module', dependencies: { promkit: spec } }));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'scratch-app', lockfileVersion: 3, requires: true, packages }));
  const offline = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
  if (offline.status === 0) return;
  rmSync(join(app, 'package-lock.json'), { force: true });
  check(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app), `npm install (offline attempt: ${offline.stderr.trim().split('\n')[0]})`);
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'promkit-package-'));
  // --ignore-scripts: `prepack` would delete and rebuild dist/ under the other test files.
  const [packed] = JSON.parse(check(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT), 'npm pack')) as {
    filename: string;
    size: number;
    files: { path: string }[];
  }[];
  packedFiles = packed!.files.map((file) => file.path);
  tarballSize = packed!.size;
  const app = join(dir, 'app');
  mkdirSync(app);
  install(app, join(dir, packed!.filename));
  installed = join(app, 'node_modules', 'promkit');
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed and installed package', () => {
  test('carries the Apache-2.0 licence and the repository it comes from', () => {
    const licence = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(licence).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(licence).toContain('Copyright 2026 promkit authors');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/promkit/promkit.git' });
  });

  test('every relative link in the README and docs resolves inside the installed package', () => {
    const pages = ['README.md', ...readdirSync(join(installed, 'docs')).map((name) => `docs/${name}`)];
    const links = pages.flatMap((page) =>
      [...readFileSync(join(installed, page), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((match) => match[1]!)
        .filter((link) => !/^[a-z]+:/.test(link))
        .map((link) => join(dirname(page), link)),
    );
    expect(links).toContain('docs/catalogue.md');
    expect(links.filter((link) => !existsSync(join(installed, link)))).toEqual([]);
  });

  test('ships the docs, the Prometheus rules and the Grafana dashboard, and no sources or tests', () => {
    for (const file of [
      'docs/catalogue.md',
      'docs/domains.md',
      'docs/endpoints.md',
      'examples/prometheus/alert-rules.yml',
      'examples/prometheus/recording-rules.yml',
      'examples/grafana/dashboard.json',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(packedFiles.filter((path) => /^(src|test|scripts|instrumentation|bench\/(?!RESULTS\.md$))/.test(path))).toEqual([]);
    expect(packedFiles.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
    // A budget, not a measurement of speed, that catches shipping something by mistake (a data
    // file, the tests): the tarball was 158 kB with the docs, and about 260 kB once cluster mode,
    // push, the prom-client API, the exposition formats and the live page had landed; 379 kB with
    // promkit's own storage, the prom-client layer that owns its values (72 kB of bundle), the
    // start-up plan and the live page's history.
    expect(tarballSize).toBeLessThan(450_000);
  });

  test('installs one version of every package, and no OpenTelemetry package the default start does not load', () => {
    const app = join(installed, '..', '..');
    // `npm ls` exits non-zero for a missing optional peer; its JSON is complete either way.
    const tree = JSON.parse(run('npm', ['ls', '--all', '--json'], app).stdout) as { dependencies?: Record<string, LsNode> };
    const versions = new Map<string, Set<string>>();
    const walk = (dependencies: Record<string, LsNode> | undefined): void => {
      for (const [name, node] of Object.entries(dependencies ?? {})) {
        if (node.version === undefined) continue;
        versions.set(name, (versions.get(name) ?? new Set()).add(node.version));
        walk(node.dependencies);
      }
    };
    walk(tree.dependencies);
    expect([...versions].filter(([, set]) => set.size > 1).map(([name, set]) => `${name}@${[...set].join('+')}`)).toEqual([]);
    expect([...versions.keys()].filter((name) => name.startsWith('@opentelemetry/')).sort()).toEqual([
      '@opentelemetry/api',
      '@opentelemetry/core',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/semantic-conventions',
    ]);
  }, 60_000);

  test('declares no script that npm runs when the package is installed', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    const scripts = Object.keys(manifest.scripts ?? {});
    expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  });

  test('has the declaration file of every export and typesVersions target', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : [target.types, target.default]));
    targets.push(...Object.values(manifest.typesVersions?.['*'] ?? {}).flat());
    expect(targets).toContain('./dist/src/testing/index.d.ts');
    expect(targets.filter((target) => !existsSync(join(installed, target)))).toEqual([]);
  });

  test('resolves promkit/testing, promkit/opossum, promkit/koa, promkit/hono and promkit/fastify under TypeScript moduleResolution node10', () => {
    const app = join(installed, '..', '..');
    writeFileSync(
      join(app, 'node10.ts'),
      [
        "import { start, metricsHandler } from 'promkit';",
        "import { createTestMetrics } from 'promkit/testing';",
        "import { instrumentOpossum } from 'promkit/opossum';",
        "import { promkitKoa } from 'promkit/koa';",
        "import { promkitHono } from 'promkit/hono';",
        "import { promkitFastifyMetrics } from 'promkit/fastify';",
        'export const used: unknown[] = [start, createTestMetrics, instrumentOpossum, promkitKoa, promkitHono, metricsHandler, promkitFastifyMetrics];',
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '6.0',
        '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node', 'node10.ts'],
      app,
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  test('loads from CommonJS through require, and typechecks in a .cts file under module node20, as the README says', () => {
    const app = join(installed, '..', '..');
    writeFileSync(join(app, 'require.cjs'), "const { start } = require('promkit');\nconsole.log(typeof start);\n");
    expect(check(run(process.execPath, ['require.cjs'], app), 'require(promkit)')).toBe('function\n');
    writeFileSync(
      join(app, 'consumer.cts'),
      "import { start } from 'promkit';\nimport { createTestMetrics } from 'promkit/testing';\nexport const used: unknown[] = [start, createTestMetrics];\n",
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'node20', '--moduleResolution', 'node16',
        '--typeRoots', join(ROOT, 'node_modules', '@types'), '--types', 'node', 'consumer.cts'],
      app,
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  test('starts from `node --import promkit/register` in the scratch app and serves a scrape', async () => {
    const app = join(installed, '..', '..');
    writeFileSync(
      join(app, 'app.mjs'),
      "import { createServer } from 'node:http';\n" +
        "const server = createServer((request, response) => response.end('ok\\n'));\n" +
        "server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));\n",
    );
    const child = spawn(process.execPath, ['--import', 'promkit/register', 'app.mjs'], {
      cwd: app,
      env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const appPort = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening (\d+)/.exec(stdout);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`app exited with ${code}; stderr:\n${stderr}`)));
      });
      const scrapeUrl = /serving metrics at (\S+)/.exec(stderr)?.[1];
      expect(scrapeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text()).toBe('ok\n');
      const text = await (await fetch(scrapeUrl!)).text();
      expect(text).toMatch(/^http_server_request_duration_seconds_count\{.*http_response_status_code="200".*\} 1$/m);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
