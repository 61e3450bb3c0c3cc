/**
 * The documented "warns once per metric and reason" reaches a person: through the app's OTel
 * diag logger when it installed one, else one `promkit:` line on stderr; PROMKIT_QUIET silences it.
 */
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

/** Runs an ES module from the repository root (needs the build in dist/); resolves with its output. */
function runModule(source: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { PROMKIT_QUIET: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Three bad records, two kinds: one warning per kind, whatever the repetitions.
const BAD_RECORDS = `
import { metrics } from 'promkit';
const orders = metrics.counter({ name: 'orders.placed', description: 'Orders placed.' });
orders.add(Number.NaN);
orders.add(Number.NaN);
orders.add(-1);
`;

describe('drop warnings without a diag logger', () => {
  test('print each first warning as one promkit: line on stderr', async () => {
    const { code, stderr } = await runModule(BAD_RECORDS);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'promkit: dropped a measurement of "orders.placed" (not_a_number): value NaN; pass a number (convert strings with Number() and check for ' +
        'undefined/NaN first). Further drops of this kind are only counted in promkit.measurements.dropped.\n' +
        'promkit: dropped a measurement of "orders.placed" (negative_increment): value -1; counters and histograms only take values >= 0; use an ' +
        'upDownCounter for values that go down. Further drops of this kind are only counted in promkit.measurements.dropped.\n',
    );
  });

  test('print nothing with PROMKIT_QUIET=true', async () => {
    const { code, stderr } = await runModule(BAD_RECORDS, { PROMKIT_QUIET: 'true' });
    expect([code, stderr]).toEqual([0, '']);
  });

  test("go to the app's diag logger, not stderr, when it installed one", async () => {
    const { code, stdout, stderr } = await runModule(
      `import { diag, DiagLogLevel } from '@opentelemetry/api';
       const print = (m) => console.log('diag: ' + m);
       diag.setLogger({ error: print, warn: print, info: print, debug: print, verbose: print }, DiagLogLevel.WARN);
       ${BAD_RECORDS}`,
    );
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout.split('\n').filter((line) => line.startsWith('diag: promkit: dropped')).map((line) => line.slice(0, line.indexOf(')') + 1))).toEqual([
      'diag: promkit: dropped a measurement of "orders.placed" (not_a_number)',
      'diag: promkit: dropped a measurement of "orders.placed" (negative_increment)',
    ]);
  });
});
