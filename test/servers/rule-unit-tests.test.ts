import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { durationSeconds, renderRuleTests, RULE_TEST_INTERVALS, ruleTestCoverage, ruleTestPath, writeRuleTests } from '../../scripts/prometheus-rule-tests.js';
import { ALERT_RULES, alertExpr, RECORDING_RULES } from '../../scripts/prometheus-rules.js';
import { promtool } from '../helpers/promtool.js';

const REGENERATE = 'npm run generate';

describe('promtool unit tests of the shipped rules', () => {
  it('equal a fresh render from scripts/prometheus-rule-tests.ts', () => {
    if (process.env.PROMKIT_REGENERATE === '1') writeRuleTests();
    for (const interval of RULE_TEST_INTERVALS) {
      expect(readFileSync(ruleTestPath(interval), 'utf8'), `rules-${interval}s.yml is out of date; regenerate with: ${REGENERATE}`).toBe(renderRuleTests(interval));
    }
  });

  it('cover every alert firing and silent, and every recording rule', () => {
    const { firing, silent, records } = ruleTestCoverage();
    const alerts = ALERT_RULES.map((r) => r.alert).sort();
    expect([...firing].sort(), 'alerts with a case where they fire').toEqual(alerts);
    expect([...silent].sort(), 'alerts with a case where they stay silent').toEqual(alerts);
    expect([...records].sort(), 'recording rules with a checked value').toEqual(RECORDING_RULES.map((r) => r.record).sort());
  });

  it('use rate windows that hold at least four samples at a 60 s scrape interval', () => {
    // `[1m]` at Prometheus's default 1 m interval holds one sample: rate() is empty and alerts never fire.
    const expressions = [...RECORDING_RULES.map((r) => r.expr), ...ALERT_RULES.map(alertExpr)];
    const ranges = expressions.flatMap((expr) => [...expr.matchAll(/\[(\d+[smh])\]/g)].map((m) => m[1]!));
    expect(ranges.length).toBeGreaterThan(20);
    for (const range of ranges) expect(durationSeconds(range), `a [${range}] window`).toBeGreaterThanOrEqual(4 * 60);
  });

  for (const interval of RULE_TEST_INTERVALS) {
    it(`pass promtool test rules at a ${interval}s scrape interval`, () => {
      const { status, output } = promtool('test', 'rules', ruleTestPath(interval));
      expect(output).toContain('SUCCESS');
      expect(status, output).toBe(0);
    }, 120_000);
  }
});
