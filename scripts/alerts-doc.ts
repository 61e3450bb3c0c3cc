/**
 * `docs/alerts.md`: the shipped recording rules and alerts, with each alert's threshold option,
 * default and the commonly written alert it corresponds to, rendered from the rule definitions so
 * the table cannot drift from the rules (`test/servers/shipped-rules.test.ts` compares it with a
 * fresh render).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RULE_TEST_EVALUATION_INTERVAL, RULE_TEST_INTERVALS } from './prometheus-rule-tests.js';
import {
  ALERT_RULES,
  alertExpr,
  DEFAULT_ALERT_OPTIONS,
  LLM_SERVICE_DOWN_LOOKBACK,
  RATE_WINDOW,
  RECORDING_RULES,
  type AlertName,
} from './prometheus-rules.js';

export const ALERTS_DOC_PATH = fileURLToPath(new URL('../docs/alerts.md', import.meta.url));

/**
 * The alert each shipped one corresponds to, as services commonly write it by hand (name and
 * threshold), and where promkit's default differs from it.
 */
const COMMON: Record<AlertName, string> = {
  HttpHighErrorRatio: '`HighErrorRate`: error rate > 5% for 5m',
  HttpLatencyP95OverSlo: 'promkit\'s own: a 500 ms p95 SLO (a common `HighLatency` is p95 > 2 s for 5m)',
  HttpLatencyP99High: '`HighLatency`: p99 > 1 s for 5m',
  HttpLatencySpike: '`LatencySpike`: mean latency > 1 s for 5m, here of the service\'s requests',
  CircuitBreakerOpen: '`CircuitBreakerOpen`: state open for 1m; here open or half-open for 30s',
  CircuitBreakerHighFailureRate: '`HighFailureRate`: failure rate > 10% for 5m',
  CircuitBreakerLatencySpike: '`LatencySpike`: mean call latency > 1 s for 5m, per breaker',
  DbLatencySpike: '`LatencySpike`: mean latency > 1 s for 5m, of database operations',
  LlmTimeToFirstChunkP95High: 'promkit\'s own: time to first token (TTFT) p95 over a bucket boundary',
  LlmProviderDown: '`ProviderDown`: error rate > 20% for 5m; by default here every call failing',
  LlmServiceDown: '`LLMServiceDown`: `rate(llm_requests_total[5m]) == 0` for 5m',
  CacheHitRatioLow: '`LowCacheHitRate`: hit rate < 0.5 for 10m',
  ScrapeTargetDown: '`InstanceDown` (the example in Prometheus\'s alerting-rule docs): `up == 0` for 5m; here 1m',
};

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderAlertsDoc(): string {
  const alertRows = ALERT_RULES.map((rule) => {
    const name = rule.alert as AlertName;
    const option: { threshold?: number; for: string } = DEFAULT_ALERT_OPTIONS[name];
    const labels = Object.entries({ severity: rule.severity, ...rule.labels })
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const threshold = option.threshold === undefined ? '–' : `\`${option.threshold}\``;
    return `| \`${name}\` | \`${cell(alertExpr(rule))}\` | ${threshold} | ${rule.for} | ${labels} | ${cell(COMMON[name])} |`;
  });
  const intervals = RULE_TEST_INTERVALS.map((i) => `${i} s`).join(', ');
  return `${[
    '# Shipped alerts and recording rules',
    '',
    '<!-- Generated from scripts/prometheus-rules.ts by scripts/alerts-doc.ts; do not edit by hand.',
    '     Regenerate: npm run generate -->',
    '',
    '`examples/prometheus/recording-rules.yml` and `examples/prometheus/alert-rules.yml` (load both:',
    `the alerts read the recording rules). Every \`rate()\` uses a \`[${RATE_WINDOW}]\` window, the common`,
    'choice: it holds at least four samples at any scrape interval up to Prometheus\'s default',
    'of 1 m. (A `[1m]` window holds one sample at a 60 s interval, `rate()` is empty and an alert',
    'reading it never fires.) The Grafana dashboard uses `$__rate_interval`, which Grafana keeps at',
    'four scrape intervals or more once the data source\'s scrape interval is set.',
    '',
    '## Alerts',
    '',
    'Thresholds and `for:` durations are the options of the rule generator',
    '(`DEFAULT_ALERT_OPTIONS` in `scripts/prometheus-rules.ts`, keyed by alert name, defaulting to the',
    'common values in the last column); `renderAlertRules(buildAlertRules({ HttpHighErrorRatio: { threshold: 0.02 } }))`',
    'renders the rules for other values. Each alert also carries the labels of its expression (`job`, and the',
    'breaker, provider, model or cache it is about).',
    '',
    '| alert | expression | threshold (default) | for | labels | common name and threshold |',
    '| --- | --- | --- | --- | --- | --- |',
    ...alertRows,
    '',
    'Choices behind them:',
    '',
    '- **Latency thresholds** sit on bucket boundaries (0.5 s, 1 s, 1.28 s), where `histogram_quantile`',
    '  is exact. The mean latencies are `rate(_sum) / rate(_count)`: no calls give no value, so no alert.',
    '- **Mean latency of LLM calls** has no alert: a streamed completion routinely runs for seconds,',
    '  so a 1 s mean would always fire. `LlmTimeToFirstChunkP95High` covers how fast a model answers.',
    '- **Circuit-breaker failure rate** is computed from call counts over the window (failure and',
    '  timeout over the calls that ran: rejected and fallback calls are not in it, as in the breaker\'s',
    '  own `circuit_breaker_failure_rate_ratio`), so it never holds a stale value once calls stop.',
    '  The mean call latency leaves rejected calls out too: they take no time.',
    '- **`CircuitBreakerOpen`** fires for open and half-open alike (a breaker probing a dead upstream',
    '  flips between the two) and is labelled `circuit_breaker_state=open`: the expression drops the',
    '  one-hot state label and the rule adds its own.',
    '- **`LlmProviderDown`** fires when no call to a provider succeeds over the window (error ratio',
    '  1, including a provider that never succeeded); a threshold of `0.2` gives the common',
    '  `ProviderDown` (>= 20% errors). A provider with no calls at all has no ratio.',
    `- **\`LlmServiceDown\`** fires when the service made no LLM call in the last ${RATE_WINDOW} (also once its`,
    `  series are gone, e.g. after a restart with no call since) but made some in the ${LLM_SERVICE_DOWN_LOOKBACK} before. A`,
    '  service that never calls an LLM stays silent. It fires about 10 minutes after the last call',
    `  (${RATE_WINDOW} without calls, then \`for:\`) and resolves once the ${LLM_SERVICE_DOWN_LOOKBACK} lookback holds no call either.`,
    '',
    '## Recording rules',
    '',
    ...RECORDING_RULES.map((r) => `- \`${r.record}\``),
    '',
    '## Unit tests',
    '',
    '`examples/prometheus/tests/rules-{15,30,60}s.yml` are `promtool test rules` files (generated by',
    `\`scripts/prometheus-rule-tests.ts\`, run by \`test/servers/rule-unit-tests.test.ts\`): series scraped every ${intervals}`,
    `with the rules evaluated every ${RULE_TEST_EVALUATION_INTERVAL} s, so also between scrapes as on a real server. For each`,
    'alert, a scenario where its condition holds checks that it is silent one evaluation before',
    'its `for:` has elapsed and fires, with exact labels and annotations, at the next; a scenario',
    'where it does not hold checks that it stays silent. Every recording rule\'s value is checked.',
    'Run one yourself: `promtool test rules examples/prometheus/tests/rules-60s.yml`.',
  ].join('\n')}\n`;
}

export function writeAlertsDoc(): void {
  writeFileSync(ALERTS_DOC_PATH, renderAlertsDoc());
}
