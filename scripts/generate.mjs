// `npm run generate`: regenerates every file derived from the catalogue and the rule generator
// (docs/catalogue.md, docs/alerts.md, examples/prometheus/*.yml and tests/, the Grafana
// dashboard). The generators are TypeScript modules under scripts/; their drift tests write the
// files when PROMKIT_REGENERATE=1, then check them, so one vitest run both writes and verifies.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const DRIFT_TESTS = [
  'test/unit/scripts/catalogue-docs.test.ts',
  'test/servers/shipped-rules.test.ts',
  'test/servers/rule-unit-tests.test.ts',
];
const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...DRIFT_TESTS], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PROMKIT_REGENERATE: '1' },
});
process.exitCode = result.status ?? 1;
