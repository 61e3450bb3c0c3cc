import { spawnSync } from 'node:child_process';

/**
 * Runs `promtool check metrics` on an exposition. promtool ships with Debian's `prometheus`
 * package, which `.ci/run` installs; a missing promtool fails loudly rather than passing.
 */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) {
    throw new Error(`promtool is not available (${result.error.message}); install Debian's "prometheus" package`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Runs promtool with `args`; a missing promtool fails the test the same way. */
export function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`promtool is not available (${result.error.message}); install Debian's "prometheus" package`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
