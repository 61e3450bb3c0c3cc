import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';

test('automatic HTTP server metrics carry the exemplar of the request span, with no user code', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const result = spawnSync(process.execPath, ['test/fixtures/auto-http-exemplar.mjs'], {
    cwd: ROOT,
    env: { ...process.env, TRACE_ID: traceId, OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', PROMKIT_QUIET: 'true' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  expect(lines.length, result.stderr).toBe(1);
  expect(lines[0]).toMatch(
    new RegExp(`^http_server_request_duration_seconds_bucket\\{[^}]*http_route="/orders"[^}]*\\} 1 # \\{trace_id="${traceId}",span_id="[0-9a-f]{16}"\\} [0-9.e-]+ [0-9.]+$`),
  );
});
