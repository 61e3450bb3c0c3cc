// Install size: what a fresh app gets from `npm install <package>` alone: promkit (this
// repository, packed), prom-client and @prometheus-io/client, each into its own empty temp dir
// from the registry. Reports packages, bytes on disk, and any package installed at two versions.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Section, bytes } from './table.mjs';

const ROOT = new URL('..', import.meta.url).pathname;

function npm(args, cwd) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
  return result.stdout;
}

/** Bytes of every file under `dir` (sizes, not blocks, so the figure does not depend on the file system). */
function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Every installed package as name -> set of versions, from `npm ls --all --json`. */
function versionsOf(app) {
  const versions = new Map();
  const walk = (deps) => {
    for (const [name, info] of Object.entries(deps ?? {})) {
      if (info.version === undefined) continue;
      if (!versions.has(name)) versions.set(name, new Set());
      versions.get(name).add(info.version);
      walk(info.dependencies);
    }
  };
  // `npm ls` exits non-zero for problems such as missing optional peers; its JSON is still complete.
  const result = spawnSync('npm', ['ls', '--all', '--json'], { cwd: app, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  walk(JSON.parse(result.stdout).dependencies);
  return versions;
}

/** Installs `spec` alone into a fresh app under `dir`; returns packages, bytes and duplicated names. */
export function measureInstall(spec, dir) {
  const app = mkdtempSync(join(dir, 'app-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, version: '1.0.0' }));
  npm(['install', '--no-audit', '--no-fund', '--no-package-lock', spec], app);
  const versions = versionsOf(app);
  const duplicates = [...versions].filter(([, set]) => set.size > 1).map(([name, set]) => `${name}@${[...set].sort().join('+')}`);
  const installs = [...versions.values()].reduce((sum, set) => sum + set.size, 0);
  return { installs, bytes: sizeOf(join(app, 'node_modules')), duplicates };
}

/** Packs this repository (dist/ must be built) into `dir`; returns the tarball path. */
export function packPromkit(dir) {
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
  return join(dir, packed.filename);
}

/** Runs the install-size section (needs the npm registry). */
export async function runInstallSize() {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-install-'));
  try {
    mkdirSync(join(dir, 'apps'));
    const rows = [
      ['promkit (this tree, packed)', packPromkit(dir)],
      ['prom-client', 'prom-client'],
      ['@prometheus-io/client', '@prometheus-io/client'],
    ].map(([name, spec]) => ({ name, ...measureInstall(spec, join(dir, 'apps')) }));
    const section = new Section('install size: `npm install <package>` alone into an empty app, from the registry');
    section.columns('package', 'packages installed', 'node_modules size', 'packages at two versions');
    for (const row of rows) section.row(row.name, row.installs, bytes(row.bytes), row.duplicates.length === 0 ? 'none' : row.duplicates.join(', '));
    const [promkit, prom] = rows;
    section.ratio('node_modules size promkit/prom-client', promkit.bytes, prom.bytes);
    return { section, figures: { rows } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
