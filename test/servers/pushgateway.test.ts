/**
 * The Pushgateway path end to end: a batch job run with the preload and `PROMKIT_PUSHGATEWAY_URL`
 * pushes as it exits; Debian's `prometheus-pushgateway` then serves the job's series with their
 * exact values under `job` (from `OTEL_SERVICE_NAME`) and `instance` (the host name), and a
 * second run replaces the first run's group (PUT) instead of adding to it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { parsePrometheusText, type Sample } from '../helpers/parse-prometheus.js';
import { startPushgateway, type PushgatewayServer } from '../helpers/pushgateway-server.js';

let gateway: PushgatewayServer;
beforeAll(async () => {
  gateway = await startPushgateway();
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
});

const JOB = 'nightly-import';

/** Runs the batch job to completion with the preload; resolves with its exit code and stderr. */
function runBatchJob(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './register.js', 'test/fixtures/batch-job.mjs'], {
      cwd: ROOT,
      env: { ...process.env, OTEL_SERVICE_NAME: JOB, OTEL_METRICS_EXPORTER: 'none', PROMKIT_PUSHGATEWAY_URL: gateway.url, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

async function jobSamples(): Promise<Sample[]> {
  return parsePrometheusText(await gateway.metricsText()).samples.filter((s) => s.labels['job'] === JOB && s.name.startsWith('batch_'));
}

const value = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe('Pushgateway', () => {
  test('a batch job pushes its series on exit, grouped by job alone (each run replaces the job\'s group), with exact values', async () => {
    const run = await runBatchJob({ BATCH_OK: '7', BATCH_FAILED: '2', BATCH_DURATIONS: '0.05,0.5,0.5,3,30' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr, 'no bound port, nothing to announce').not.toContain('serving metrics at');

    const samples = await jobSamples();
    const group = { job: JOB };
    // No host name or per-process id in the grouping key: a CronJob's next pod replaces this group.
    expect(new Set(samples.map((s) => s.labels['instance']))).toEqual(new Set(['']));
    expect(value(samples, 'batch_records_total', { ...group, outcome: 'ok' })).toEqual([7]);
    expect(value(samples, 'batch_records_total', { ...group, outcome: 'failed' })).toEqual([2]);
    expect(value(samples, 'batch_record_duration_seconds_bucket', { ...group, le: '0.1' })).toEqual([1]);
    expect(value(samples, 'batch_record_duration_seconds_bucket', { ...group, le: '1' })).toEqual([3]);
    expect(value(samples, 'batch_record_duration_seconds_bucket', { ...group, le: '10' })).toEqual([4]);
    expect(value(samples, 'batch_record_duration_seconds_bucket', { ...group, le: '+Inf' })).toEqual([5]);
    expect(value(samples, 'batch_record_duration_seconds_count', group)).toEqual([5]);
    expect(value(samples, 'batch_record_duration_seconds_sum', group)).toEqual([34.05]);
    // The Pushgateway's own record of the group: pushed, and the last push did not fail.
    const all = parsePrometheusText(await gateway.metricsText()).samples;
    expect(value(all, 'push_time_seconds', group)[0]).toBeGreaterThan(0);
    expect(value(all, 'push_failure_time_seconds', group)).toEqual([0]);
  }, 60_000);

  test('the next run replaces the group: its totals, and no series left over from the last run', async () => {
    const run = await runBatchJob({ BATCH_OK: '3' });
    expect(run.code, run.stderr).toBe(0);
    const samples = await jobSamples();
    expect(value(samples, 'batch_records_total', { outcome: 'ok' })).toEqual([3]);
    expect(value(samples, 'batch_records_total', { outcome: 'failed' })).toEqual([]);
    // This run recorded no durations: the histogram has no series, and the last run's are gone.
    expect(value(samples, 'batch_record_duration_seconds_count')).toEqual([]);
    expect(samples.map((s) => s.name)).toEqual(['batch_records_total']);
  }, 60_000);
});
