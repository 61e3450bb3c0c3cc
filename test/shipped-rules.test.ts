import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_PATH, dashboardQueries, DASHBOARD_ROWS, RATE_INTERVAL, renderDashboard, writeDashboard } from '../scripts/grafana-dashboard.js';
import {
  ALERT_RULES,
  ALERT_RULES_PATH,
  PROMETHEUS_DIR,
  RECORDING_RULES,
  RECORDING_RULES_PATH,
  renderAlertRules,
  renderRecordingRules,
  writeShippedRules,
} from '../scripts/prometheus-rules.js';

const REGENERATE = 'UPDATE_SHIPPED_RULES=1 npx vitest run test/shipped-rules.test.ts';
const scratch = mkdtempSync(join(tmpdir(), 'promkit-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs promtool; a missing promtool fails the test (CI installs Debian's prometheus package). */
function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is not available (${result.error.message}); install Debian's "prometheus" package`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('shipped rules and dashboard', () => {
  it('equal a fresh render from the catalogue', () => {
    if (process.env.UPDATE_SHIPPED_RULES === '1') {
      writeShippedRules();
      writeDashboard();
    }
    const stale = `out of date with scripts/; regenerate with: ${REGENERATE}`;
    expect(readFileSync(RECORDING_RULES_PATH, 'utf8'), `recording-rules.yml is ${stale}`).toBe(renderRecordingRules());
    expect(readFileSync(ALERT_RULES_PATH, 'utf8'), `alert-rules.yml is ${stale}`).toBe(renderAlertRules());
    expect(readFileSync(DASHBOARD_PATH, 'utf8'), `dashboard.json is ${stale}`).toBe(renderDashboard());
  });

  it('pass promtool check config (which checks the rule files it loads)', () => {
    const { status, output } = promtool('check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml'));
    expect(output).toContain('SUCCESS');
    expect(output).toContain(`${RECORDING_RULES.length} rules found`);
    expect(output).toContain(`${ALERT_RULES.length} rules found`);
    expect(status, output).toBe(0);
  });

  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RECORDING_RULES_PATH, ALERT_RULES_PATH);
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${RECORDING_RULES.length} rules found`);
    expect(output).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
  });

  it('has a panel for every domain, and every dashboard query is valid PromQL', () => {
    expect(DASHBOARD_ROWS.map((row) => row.title)).toEqual(['Service', 'HTTP server', 'LLM', 'Cache', 'Database', 'Circuit breaker', 'Node.js runtime']);
    const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: { type: string; targets?: { expr: string }[] }[] };
    const shipped = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(shipped).toEqual(dashboardQueries().map((q) => q.expr));
    // promtool has no "check this query"; a recording rule per query gets the same parser.
    const file = join(scratch, 'dashboard-queries.yml');
    const rules = shipped.map((expr, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr.replaceAll(RATE_INTERVAL, '1m'))}`);
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const { status, output } = promtool('check', 'rules', file);
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${shipped.length} rules found`);
  });
});
