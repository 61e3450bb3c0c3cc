import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

function preload(imports: readonly string[]) {
  return spawnSync(process.execPath, [...imports.flatMap((file) => ['--import', file]), '-e', 'setTimeout(() => {}, 50)'], {
    cwd: ROOT,
    env: { ...process.env, OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('the preload beside another OpenTelemetry SDK', () => {
  test('says in one line that another MeterProvider is registered and what to do', () => {
    const result = preload(['./test/fixtures/other-provider.mjs', './register.js']);
    const notices = result.stderr.split('\n').filter((line) => line.includes('another OpenTelemetry MeterProvider'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^promkit: .*new NodeSDK\(\{ views: promkitViews\(\), metricReaders: \[promkitReader\(\)\] \}\)/);
    expect(result.stderr).toMatch(/promkit: serving metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });

  test('says nothing of the kind when promkit is the first', () => {
    const result = preload(['./register.js']);
    expect(result.stderr).not.toContain('another OpenTelemetry MeterProvider');
    expect(result.stderr).toMatch(/promkit: serving metrics at/);
  });
});
