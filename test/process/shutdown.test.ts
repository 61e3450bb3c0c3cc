/**
 * Shutdown under the preload: an app stopped by SIGTERM (a container stop) or killed by an uncaught
 * exception delivers what it counted to its push outputs, and ends exactly as it would without
 * promkit (same exit code or signal).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { startPushReceiver, writtenValue, type PushReceiver } from '../helpers/push-receiver.js';

let receiver: PushReceiver;
beforeAll(async () => {
  receiver = await startPushReceiver();
});
afterAll(async () => {
  await receiver.close();
});

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the signal app; once it prints `ready` sends `signal` (unless it ends by itself). */
function run(env: Record<string, string>, signal: NodeJS.Signals | undefined): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', './register.js', 'test/fixtures/signal-app.mjs'], {
    cwd: ROOT,
    env: { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'signal-app', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (signal !== undefined && stdout.includes('ready\n') && !child.killed) child.kill(signal);
  });
  return new Promise((resolve) => child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, stdout, stderr })));
}

// Remote write with an interval far beyond the test: only the flush on the signal can deliver.
const REMOTE_WRITE = () => ({ PROMKIT_REMOTE_WRITE_URL: `${receiver.url}/api/v1/write`, PROMKIT_REMOTE_WRITE_INTERVAL_MS: '3600000' });

describe('on SIGTERM', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('with no handler of the app: 1,000 of 1,000 increments reach remote write, and the process dies of %s as without promkit', async (signal) => {
    const before = receiver.writes.length;
    const without = await run({ OTEL_SDK_DISABLED: 'true' }, signal);
    const withPromkit = await run({ ...REMOTE_WRITE(), INCREMENTS: '1000' }, signal);
    expect(without).toMatchObject({ code: null, signal });
    expect(withPromkit, withPromkit.stderr).toMatchObject({ code: null, signal });
    expect(withPromkit.stderr).toContain('promkit: no scrape port (OTEL_METRICS_EXPORTER=none) (standalone; push: remote_write; service.instance.id=');
    const writes = receiver.writes.slice(before);
    expect(writes.length).toBe(1);
    expect(writtenValue(writes[0]!, 'signal_work_total')).toBe(1000);
  }, 60_000);

  it('with a handler of the app that lets the loop empty: 1,000 arrive and the process exits 0 as without promkit', async () => {
    const before = receiver.writes.length;
    const without = await run({ OTEL_SDK_DISABLED: 'true', APP_HANDLER: '1' }, 'SIGTERM');
    const withPromkit = await run({ ...REMOTE_WRITE(), APP_HANDLER: '1', INCREMENTS: '1000' }, 'SIGTERM');
    expect(without).toMatchObject({ code: 0, signal: null });
    expect(withPromkit, withPromkit.stderr).toMatchObject({ code: 0, signal: null });
    expect(withPromkit.stdout).toContain('app handler\n');
    // One push on the signal, one more (the final totals) when the loop emptied.
    const writes = receiver.writes.slice(before);
    expect(writes.map((write) => writtenValue(write, 'signal_work_total'))).toEqual([1000, 1000]);
  }, 60_000);
});

describe('on an uncaught exception', () => {
  it('a failing batch job pushes to the Pushgateway, then Node reports the error and exits 1 as without promkit', async () => {
    const before = receiver.groups.length;
    const without = await run({ OTEL_SDK_DISABLED: 'true', THROW: '1' }, undefined);
    const withPromkit = await run({ PROMKIT_PUSHGATEWAY_URL: receiver.url, THROW: '1', INCREMENTS: '7' }, undefined);
    expect(without).toMatchObject({ code: 1, signal: null });
    expect(without.stderr).toContain('Error: the batch failed');
    expect(withPromkit).toMatchObject({ code: 1, signal: null });
    expect(withPromkit.stderr).toContain('Error: the batch failed');
    const groups = receiver.groups.slice(before);
    expect(groups.map((group) => group.path)).toEqual(['/metrics/job/signal-app/instance@base64/=']);
    expect(groups[0]!.samples.find((s) => s.name === 'signal_work_total')?.value).toBe(7);
  }, 60_000);

  it('an unhandled rejection: the push, then Node\'s own unhandled-rejection report and exit code, as without promkit', async () => {
    const before = receiver.groups.length;
    const without = await run({ OTEL_SDK_DISABLED: 'true', THROW: 'reject' }, undefined);
    const withPromkit = await run({ PROMKIT_PUSHGATEWAY_URL: receiver.url, THROW: 'reject', INCREMENTS: '3' }, undefined);
    expect(without).toMatchObject({ code: 1, signal: null });
    expect(withPromkit).toMatchObject({ code: without.code, signal: null });
    expect(withPromkit.stderr).toContain('Error: the batch was rejected');
    expect(receiver.groups.slice(before).map((group) => group.samples.find((s) => s.name === 'signal_work_total')?.value)).toEqual([3]);
  }, 60_000);
});
