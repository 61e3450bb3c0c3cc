import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node bench/run.mjs ...args` from the repository root on this Node; resolves when it exits. */
function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/run.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// The small-N bench must run end to end and print every section with its ratios. No timing is
// asserted: machines are noisy, and the figures are for people comparing runs on one machine.
test(
  'npm run bench --quick runs every section and prints ratios',
  async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--no-write']);
    expect(code, `bench exited with ${code}; stderr:\n${stderr}\nstdout:\n${stdout}`).toBe(0);
    for (const header of [
      '== hot path:',
      '== scrape: full body',
      '== scrape memory:',
      '== event-loop delay',
      '== HTTP overhead: hello-world server in a child, autocannon 10 connections',
      '== HTTP overhead: hello-world server in a child, autocannon 100 connections',
      '== start-up:',
      '== targets (issue 13) ==',
    ]) {
      expect(stdout).toContain(header);
    }
    // Ratios per round, like for like: min / median / max.
    const spread = String.raw`\d[\d.]*x / \d[\d.]*x / \d[\d.]*x`;
    expect(stdout).toMatch(new RegExp(String.raw`^ratio facade add\(labels\) / raw OTel add\(labels\) \(min / median / max of \d+\): ${spread}`, 'm'));
    expect(stdout).toMatch(new RegExp(String.raw`^ratio bound histogram record / prom-client labels\(\) child observe .*: ${spread}`, 'm'));
    expect(stdout).toMatch(new RegExp(String.raw`^ratio bound counter add / @prometheus-io/client child inc .*: ${spread}`, 'm'));
    expect(stdout).toMatch(/^ratio promkit total\/prom-client .*: \d[\d.]*x/m);
    expect(stdout).toMatch(/^ratio p99 delay promkit\/prom-client: \d[\d.]*x/m);
    expect(stdout).toMatch(new RegExp(String.raw`^ratio CPU per request register\.js/plain, c=100 .*: ${spread}`, 'm'));
    expect(stdout).toMatch(new RegExp(String.raw`^ratio CPU promkit/prom-client per pair .*: ${spread}`, 'm'));
    expect(stdout).toMatch(new RegExp(String.raw`^ratio peak RSS promkit/prom-client per pair .*: ${spread}`, 'm'));
    // Every body holds the same samples, and the register.js server really recorded requests.
    expect(stdout).not.toContain('MISMATCH');
    expect(stdout).toMatch(/register\.js child recorded [1-9][\d,]* requests/);
  },
  240_000,
);
