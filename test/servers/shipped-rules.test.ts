import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTS_DOC_PATH, renderAlertsDoc, writeAlertsDoc } from '../../scripts/alerts-doc.js';
import { DASHBOARD_PATH, dashboardQueries, DASHBOARD_ROWS, RATE_INTERVAL, renderDashboard, writeDashboard } from '../../scripts/grafana-dashboard.js';
import {
  ALERT_RULES,
  ALERT_RULES_PATH,
  alertExpr,
  buildAlertRules,
  DEFAULT_ALERT_OPTIONS,
  PROMETHEUS_DIR,
  RECORDING_RULES,
  RECORDING_RULES_PATH,
  renderAlertRules,
  renderRecordingRules,
  writeShippedRules,
} from '../../scripts/prometheus-rules.js';
import { promtool } from '../helpers/promtool.js';

const REGENERATE = 'npm run generate';
const scratch = mkdtempSync(join(tmpdir(), 'promkit-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('shipped rules and dashboard', () => {
  it('equal a fresh render from the catalogue', () => {
    if (process.env.PROMKIT_REGENERATE === '1') {
      writeShippedRules();
      writeDashboard();
      writeAlertsDoc();
    }
    const stale = `out of date with scripts/; regenerate with: ${REGENERATE}`;
    expect(readFileSync(RECORDING_RULES_PATH, 'utf8'), `recording-rules.yml is ${stale}`).toBe(renderRecordingRules());
    expect(readFileSync(ALERT_RULES_PATH, 'utf8'), `alert-rules.yml is ${stale}`).toBe(renderAlertRules());
    expect(readFileSync(DASHBOARD_PATH, 'utf8'), `dashboard.json is ${stale}`).toBe(renderDashboard());
    expect(readFileSync(ALERTS_DOC_PATH, 'utf8'), `docs/alerts.md is ${stale}`).toBe(renderAlertsDoc());
  });

  it('pass promtool check config (which checks the rule files it loads)', () => {
    const { status, output } = promtool('check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml'));
    expect(output).toContain('SUCCESS');
    expect(output).toContain(`${RECORDING_RULES.length} rules found`);
    expect(output).toContain(`${ALERT_RULES.length} rules found`);
    expect(status, output).toBe(0);
  });

  it('take thresholds and for: durations from the generator options, the common values by default', () => {
    expect(ALERT_RULES.map((r) => r.alert)).toEqual(Object.keys(DEFAULT_ALERT_OPTIONS));
    expect(alertExpr(ALERT_RULES.find((r) => r.alert === 'CircuitBreakerHighFailureRate')!)).toBe('job_breaker:circuit_breaker_call_failures:ratio_rate5m > 0.1');
    const custom = buildAlertRules({ HttpHighErrorRatio: { threshold: 0.02 }, CircuitBreakerOpen: { for: '1m' } });
    const errors = custom.find((r) => r.alert === 'HttpHighErrorRatio')!;
    expect(alertExpr(errors)).toBe('job:http_server_request_errors:ratio_rate5m > 0.02');
    expect(errors.for).toBe('5m');
    expect(errors.summary).toBe('More than 2% of requests to {{ $labels.job }} fail');
    const breaker = custom.find((r) => r.alert === 'CircuitBreakerOpen')!;
    expect(breaker.for).toBe('1m');
    expect(breaker.labels).toEqual({ circuit_breaker_state: 'open' });
    expect(renderAlertRules(custom)).toContain("expr: 'job:http_server_request_errors:ratio_rate5m > 0.02'");
  });

  it('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RECORDING_RULES_PATH, ALERT_RULES_PATH);
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${RECORDING_RULES.length} rules found`);
    expect(output).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
  });

  it('every PromQL in docs/migrating-from-prometheus-client-names.md and docs/domains.md is valid', () => {
    const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
    const migration = readFileSync(join(docs, 'migrating-from-prometheus-client-names.md'), 'utf8');
    const fromMigration = promqlColumnQueries(migration);
    expect(fromMigration.length).toBeGreaterThan(30);
    const queries = [...fromMigration, ...promqlBlocks(readFileSync(join(docs, 'domains.md'), 'utf8'))];
    expect(queries.length).toBeGreaterThan(40);
    checkPromql('docs', queries);
  });

  it('has a panel for every domain, and every dashboard query is valid PromQL', () => {
    expect(DASHBOARD_ROWS.map((row) => row.title)).toEqual(['Service', 'HTTP server', 'LLM', 'Cache', 'Database', 'Circuit breaker', 'Node.js runtime']);
    const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: { type: string; targets?: { expr: string }[] }[] };
    const shipped = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(shipped).toEqual(dashboardQueries().map((q) => q.expr));
    checkPromql('dashboard', shipped.map((expr) => expr.replaceAll(RATE_INTERVAL, '1m')));
  });
});

/** promtool has no "check this query"; a recording rule per query goes through the same parser. */
function checkPromql(name: string, queries: readonly string[]): void {
  const file = join(scratch, `${name}-queries.yml`);
  const rules = queries.map((expr, i) => `      - record: ${name}:query_${i}\n        expr: ${JSON.stringify(expr)}`);
  writeFileSync(file, `groups:\n  - name: ${name}\n    rules:\n${rules.join('\n')}\n`);
  const { status, output } = promtool('check', 'rules', file);
  expect(status, `${output}\n${queries.map((q, i) => `${i}: ${q}`).join('\n')}`).toBe(0);
  expect(output).toContain(`SUCCESS: ${queries.length} rules found`);
}

/**
 * The last cell of each row of every table whose last column is headed `PromQL`: one backticked
 * query per row (`\|` is a literal `|`).
 */
function promqlColumnQueries(markdown: string): string[] {
  const cellsOf = (line: string) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
  const queries: string[] = [];
  let header: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = cellsOf(line);
    if (header === undefined) {
      header = cells;
      continue;
    }
    if (header.at(-1) !== 'PromQL' || cells.every((cell) => /^-+$/.test(cell))) continue;
    const query = /^`(.*)`$/.exec(cells.at(-1) ?? '');
    if (!query) throw new Error(`no query in the last column of: ${line}`);
    queries.push(query[1]!.replaceAll('\\|', '|'));
  }
  return queries;
}

/** Every expression in ```promql blocks: a line at column 0 starts one, indented lines continue it. */
function promqlBlocks(markdown: string): string[] {
  const queries: string[] = [];
  for (const [, block] of markdown.matchAll(/```promql\n([\s\S]*?)```/g)) {
    for (const line of block!.split('\n')) {
      const code = line.replace(/\s+#.*$/, '');
      if (code.trim() === '') continue;
      if (/^\s/.test(code) && queries.length > 0) queries[queries.length - 1] += ` ${code.trim()}`;
      else queries.push(code.trim());
    }
  }
  return queries;
}
