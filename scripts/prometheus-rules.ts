/**
 * The shipped Prometheus rules (`examples/prometheus/recording-rules.yml` and `alert-rules.yml`),
 * generated from the catalogue's names. `test/servers/shipped-rules.test.ts` fails when the committed
 * files differ from a fresh render; regenerate with
 *
 *   npm run generate
 *
 * Every alert is `<signal> <op> <threshold>` (optionally `and <guard>`), with the signal kept
 * separately so the e2e test can evaluate it on its own (an alert expression that is not firing
 * returns no data). Thresholds and `for:` durations are parameters ({@link DEFAULT_ALERT_OPTIONS},
 * the commonly used values); `buildAlertRules(options)` renders rules for other values.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { L, M, quantile, ratio, shareOfTwo } from './promql-names.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertRule {
  readonly alert: string;
  /** The value alerted on; the alert expression is `${signal} ${op} ${threshold}`. */
  readonly signal: string;
  readonly op: '>' | '>=' | '<' | '==';
  readonly threshold: number;
  /** A second condition the alert also needs (`... and ${guard}`), e.g. "there was traffic to compare with". */
  readonly guard?: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning' | 'info';
  /** Labels added to the alert beyond the expression's own and `severity`. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
}

/**
 * The window of every `rate()` in the rules. It must hold at least four samples at any scrape
 * interval up to Prometheus's default of 1 m: with `[1m]` at a 60 s interval a window holds one
 * sample, `rate()` is empty and no alert reading it can fire.
 */
export const RATE_WINDOW = '5m';

export const PROMETHEUS_DIR = fileURLToPath(new URL('../examples/prometheus/', import.meta.url));
export const RECORDING_RULES_PATH = `${PROMETHEUS_DIR}recording-rules.yml`;
export const ALERT_RULES_PATH = `${PROMETHEUS_DIR}alert-rules.yml`;

const W = RATE_WINDOW;
const H = M.httpServerDuration;
/** `sum by (<by>) (rate(<series>[<range>] <modifier>))`; the modifier is e.g. `offset 5m`. */
const sumRate = (by: string, series: string, range = W, modifier = '') =>
  `sum by (${by}) (rate(${series}[${range}]${modifier === '' ? '' : ` ${modifier}`}))`;
/** Mean of a histogram per `by`: rate of the sum over rate of the count (NaN, so no alert, without calls). */
const mean = (by: string, h: { sum: string; count: string }, selector = '') =>
  `${sumRate(by, `${h.sum}${selector}`)} / ${sumRate(by, `${h.count}${selector}`)}`;

const BREAKER_BY = `job, ${L.breakerName}`;
/** Calls that ran the protected function: `rejected` and `fallback` carry no duration of their own. */
const BREAKER_EXECUTED = `{${L.breakerOutcome}=~"success|failure|timeout"}`;
const BREAKER_FAILED = `{${L.breakerOutcome}=~"failure|timeout"}`;
const PROVIDER_BY = `job, ${L.providerName}`;
const llmCalls = M.llmDuration.count;

export const RECORDING_RULES: readonly RecordingRule[] = [
  // Request rate (what `rate(request_count[5m])` answers for a hand-rolled request counter).
  { record: `job:http_server_requests:rate${W}`, expr: sumRate('job', H.count) },
  { record: `job_route:http_server_requests:rate${W}`, expr: sumRate(`job, ${L.route}`, H.count) },
  // Error ratio: requests that carry error.type (5xx, or no response at all) over all requests.
  {
    record: `job:http_server_request_errors:ratio_rate${W}`,
    expr: ratio(sumRate('job', `${H.count}{${L.errorType}!=""}`), sumRate('job', H.count)),
  },
  // Latency quantiles per route, p95 and p99 over the whole service for the alerts, and the mean.
  ...([0.5, 0.95, 0.99] as const).map((q) => ({
    record: `job_route:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate${W}`,
    expr: quantile(q, H.bucket, ['job', L.route], W),
  })),
  { record: `job:http_server_request_duration_seconds:p95_rate${W}`, expr: quantile(0.95, H.bucket, ['job'], W) },
  { record: `job:http_server_request_duration_seconds:p99_rate${W}`, expr: quantile(0.99, H.bucket, ['job'], W) },
  { record: `job:http_server_request_duration_seconds:mean_rate${W}`, expr: mean('job', H) },
  // Cache hit ratio (a rule, not a gauge that goes stale).
  {
    record: `job_cache:cache_hits:ratio_rate${W}`,
    expr: shareOfTwo(sumRate(`job, ${L.cacheName}`, M.cacheHits), sumRate(`job, ${L.cacheName}`, M.cacheMisses)),
  },
  // Tokens per second by model and type (input / output).
  {
    record: `job_model_type:gen_ai_client_tokens:rate${W}`,
    expr: sumRate(`job, ${L.requestModel}, ${L.tokenType}`, M.llmTokens.sum),
  },
  // Time to first chunk (time to first token, TTFT), p95 per model.
  {
    record: `job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate${W}`,
    expr: quantile(0.95, M.llmTimeToFirstChunk.bucket, ['job', L.requestModel], W),
  },
  // Share of failed LLM calls per provider (a hand-rolled `provider_error_rate`), as 1 - successes /
  // calls: exactly 1 when nothing succeeds, and a provider that never succeeded still has a value.
  {
    record: `job_provider:gen_ai_client_operation_errors:ratio_rate${W}`,
    expr: `1 - ${ratio(sumRate(PROVIDER_BY, `${llmCalls}{${L.errorType}=""}`), sumRate(PROVIDER_BY, llmCalls))}`,
  },
  // Breaker failure ratio from call counts over the window, the same definition as the breaker's
  // own gauge (failure and timeout over calls that ran) but never stale once calls stop.
  {
    record: `job_breaker:circuit_breaker_call_failures:ratio_rate${W}`,
    expr: ratio(sumRate(BREAKER_BY, `${M.breakerCalls.count}${BREAKER_FAILED}`), sumRate(BREAKER_BY, `${M.breakerCalls.count}${BREAKER_EXECUTED}`)),
  },
  { record: `job_breaker:circuit_breaker_call_duration_seconds:mean_rate${W}`, expr: mean(BREAKER_BY, M.breakerCalls, BREAKER_EXECUTED) },
  { record: `job:db_client_operation_duration_seconds:mean_rate${W}`, expr: mean('job', M.dbDuration) },
];

/** The threshold and `for:` of one alert (no threshold where the condition is a state, not a level). */
export interface AlertParameters {
  readonly threshold?: number;
  readonly for: string;
}

/**
 * Every shipped alert's threshold and `for:`, defaulting to the values of the alerts commonly
 * written for these signals (`HighErrorRate`: error rate > 5% for 5m, and so on; the
 * `docs/alerts.md` table gives each). Pass a partial copy to {@link buildAlertRules}.
 */
export const DEFAULT_ALERT_OPTIONS = {
  HttpHighErrorRatio: { threshold: 0.05, for: '5m' },
  // 0.5 s and 1 s are bucket boundaries of http.server.request.duration, so the comparison is exact.
  HttpLatencyP95OverSlo: { threshold: 0.5, for: '5m' },
  HttpLatencyP99High: { threshold: 1, for: '5m' },
  HttpLatencySpike: { threshold: 1, for: '5m' },
  CircuitBreakerOpen: { for: '30s' },
  CircuitBreakerHighFailureRate: { threshold: 0.1, for: '5m' },
  CircuitBreakerLatencySpike: { threshold: 1, for: '5m' },
  DbLatencySpike: { threshold: 1, for: '5m' },
  // 1.28 s is a bucket boundary of the GenAI duration histograms.
  LlmTimeToFirstChunkP95High: { threshold: 1.28, for: '5m' },
  LlmProviderDown: { threshold: 1, for: '5m' },
  LlmServiceDown: { for: '5m' },
  CacheHitRatioLow: { threshold: 0.5, for: '10m' },
  ScrapeTargetDown: { for: '1m' },
} satisfies Record<string, AlertParameters>;

export type AlertName = keyof typeof DEFAULT_ALERT_OPTIONS;
/** Overrides per alert; alerts on a state (no threshold) take only `for`. */
export type AlertOptions = { readonly [K in AlertName]?: Partial<(typeof DEFAULT_ALERT_OPTIONS)[K]> };

/** How far back `LlmServiceDown` looks for the calls it expects. */
export const LLM_SERVICE_DOWN_LOOKBACK = '1h';

const pct = (x: number) => `${+(x * 100).toPrecision(4)}%`;

/** The alert rules for `options` (unset entries take {@link DEFAULT_ALERT_OPTIONS}). */
export function buildAlertRules(options: AlertOptions = {}): AlertRule[] {
  const p = (name: AlertName): AlertParameters => ({ ...DEFAULT_ALERT_OPTIONS[name], ...options[name] });
  const level = (name: AlertName): number => {
    const { threshold } = p(name);
    if (threshold === undefined) throw new Error(`${name} has no threshold`);
    return threshold;
  };
  type Spec = Omit<AlertRule, 'alert' | 'for' | 'threshold'> & { readonly threshold?: number };
  const rule = (name: AlertName, spec: Spec): AlertRule => ({ ...spec, alert: name, for: p(name).for, threshold: spec.threshold ?? level(name) });
  // The lookback ends where the current window starts, so the two never overlap.
  const llmBefore = sumRate('job', llmCalls, LLM_SERVICE_DOWN_LOOKBACK, `offset ${W}`);
  return [
    rule('HttpHighErrorRatio', {
      signal: `job:http_server_request_errors:ratio_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `More than ${pct(level('HttpHighErrorRatio'))} of requests to {{ $labels.job }} fail`,
      description: `{{ $value | humanizePercentage }} of HTTP requests ended in a 5xx or without a response over the last ${W}.`,
    }),
    rule('HttpLatencyP95OverSlo', {
      signal: `job:http_server_request_duration_seconds:p95_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `p95 latency of {{ $labels.job }} is over the ${level('HttpLatencyP95OverSlo')}s SLO`,
      description: '95th percentile HTTP server latency is {{ $value | humanizeDuration }}.',
    }),
    rule('HttpLatencyP99High', {
      signal: `job:http_server_request_duration_seconds:p99_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `p99 latency of {{ $labels.job }} is over ${level('HttpLatencyP99High')}s`,
      description: '99th percentile HTTP server latency is {{ $value | humanizeDuration }}.',
    }),
    rule('HttpLatencySpike', {
      signal: `job:http_server_request_duration_seconds:mean_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `Mean latency of {{ $labels.job }} is over ${level('HttpLatencySpike')}s`,
      description: `HTTP requests took {{ $value | humanizeDuration }} on average over the last ${W}.`,
    }),
    rule('CircuitBreakerOpen', {
      // Open or half-open: a breaker probing a dead upstream flips between the two, and the max
      // over both stays 1 throughout. The state label is replaced by the alert's own, so the
      // alert reads "open" rather than carrying the closed series it was computed from.
      signal: `max without (${L.breakerState}) (${M.breakerState}{${L.breakerState}!="closed"})`,
      op: '==',
      threshold: 1,
      severity: 'critical',
      labels: { [L.breakerState]: 'open' },
      summary: 'Circuit breaker {{ $labels.circuit_breaker_name }} on {{ $labels.job }} is open',
      description: `The breaker has been open or half-open for more than ${p('CircuitBreakerOpen').for}: calls to its upstream are being rejected or probed.`,
    }),
    rule('CircuitBreakerHighFailureRate', {
      signal: `job_breaker:circuit_breaker_call_failures:ratio_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `More than ${pct(level('CircuitBreakerHighFailureRate'))} of calls through breaker {{ $labels.circuit_breaker_name }} on {{ $labels.job }} fail`,
      description: `{{ $value | humanizePercentage }} of the calls that ran failed or timed out over the last ${W}.`,
    }),
    rule('CircuitBreakerLatencySpike', {
      signal: `job_breaker:circuit_breaker_call_duration_seconds:mean_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `Calls through breaker {{ $labels.circuit_breaker_name }} on {{ $labels.job }} take over ${level('CircuitBreakerLatencySpike')}s`,
      description: `Calls that ran took {{ $value | humanizeDuration }} on average over the last ${W}.`,
    }),
    rule('DbLatencySpike', {
      signal: `job:db_client_operation_duration_seconds:mean_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: `Database operations of {{ $labels.job }} take over ${level('DbLatencySpike')}s`,
      description: `Database operations took {{ $value | humanizeDuration }} on average over the last ${W}.`,
    }),
    rule('LlmTimeToFirstChunkP95High', {
      signal: `job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate${W}`,
      op: '>',
      severity: 'warning',
      summary: 'Time to first chunk of {{ $labels.gen_ai_request_model }} is slow',
      description: `p95 time to first streamed chunk is {{ $value | humanizeDuration }} (threshold ${level('LlmTimeToFirstChunkP95High')}s).`,
    }),
    rule('LlmProviderDown', {
      // NaN (no alert) while the provider has no calls at all: that is LlmServiceDown's case.
      signal: `job_provider:gen_ai_client_operation_errors:ratio_rate${W}`,
      op: '>=',
      severity: 'critical',
      summary: 'LLM provider {{ $labels.gen_ai_provider_name }} fails for {{ $labels.job }}',
      description: `{{ $value | humanizePercentage }} of the calls to the provider failed over the last ${W}.`,
    }),
    rule('LlmServiceDown', {
      // Calls in the window, reading 0 rather than "no data" once the series are gone (after a
      // restart with no call since); guarded by calls in the hour before, so a service that
      // never calls an LLM stays silent. It resolves once the lookback holds no calls either.
      signal: `(${sumRate('job', llmCalls)} or ${llmBefore} * 0)`,
      op: '==',
      threshold: 0,
      guard: `${llmBefore} > 0`,
      severity: 'critical',
      summary: '{{ $labels.job }} makes no LLM calls',
      description: `No LLM call in the last ${W}, though there were calls in the ${LLM_SERVICE_DOWN_LOOKBACK} before.`,
    }),
    rule('CacheHitRatioLow', {
      signal: `job_cache:cache_hits:ratio_rate${W}`,
      op: '<',
      severity: 'info',
      summary: `Cache {{ $labels.cache_name }} on {{ $labels.job }} hits less than ${pct(level('CacheHitRatioLow'))} of the time`,
      description: `Hit ratio is {{ $value | humanizePercentage }} over the last ${W}.`,
    }),
    rule('ScrapeTargetDown', {
      signal: 'up',
      op: '==',
      threshold: 0,
      severity: 'critical',
      summary: 'Prometheus cannot scrape {{ $labels.instance }} ({{ $labels.job }})',
      description: `The metrics endpoint has not answered for more than ${p('ScrapeTargetDown').for}.`,
    }),
  ];
}

export const ALERT_RULES: readonly AlertRule[] = buildAlertRules();

export function alertExpr(rule: AlertRule): string {
  const condition = `${rule.signal} ${rule.op} ${rule.threshold}`;
  return rule.guard === undefined ? condition : `${condition} and ${rule.guard}`;
}

/** A YAML single-quoted scalar: PromQL's double quotes stay readable; `'` is doubled. */
const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function header(what: string): string[] {
  return [
    `# promkit: ${what}, generated from the catalogue by scripts/prometheus-rules.ts; do not edit by hand.`,
    '# Regenerate: npm run generate',
  ];
}

export function renderRecordingRules(rules: readonly RecordingRule[] = RECORDING_RULES): string {
  const lines = [...header('recording rules'), 'groups:', '  - name: promkit.recording', '    rules:'];
  for (const rule of rules) {
    lines.push(`      - record: ${rule.record}`, `        expr: ${quote(rule.expr)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAlertRules(rules: readonly AlertRule[] = ALERT_RULES): string {
  const lines = [
    ...header('alert rules'),
    '# They read the recording rules in recording-rules.yml: load both files.',
    'groups:',
    '  - name: promkit.alerts',
    '    rules:',
  ];
  for (const rule of rules) {
    lines.push(
      `      - alert: ${rule.alert}`,
      `        expr: ${quote(alertExpr(rule))}`,
      `        for: ${rule.for}`,
      '        labels:',
      `          severity: ${rule.severity}`,
      ...Object.entries(rule.labels ?? {}).map(([name, value]) => `          ${name}: ${value}`),
      '        annotations:',
      `          summary: ${quote(rule.summary)}`,
      `          description: ${quote(rule.description)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function writeShippedRules(): void {
  writeFileSync(RECORDING_RULES_PATH, renderRecordingRules());
  writeFileSync(ALERT_RULES_PATH, renderAlertRules());
}
