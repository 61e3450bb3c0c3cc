/**
 * The shipped Prometheus rules (`examples/prometheus/recording-rules.yml` and `alert-rules.yml`),
 * generated from the catalogue's names. `test/shipped-rules.test.ts` fails when the committed
 * files differ from a fresh render; regenerate with
 *
 *   UPDATE_SHIPPED_RULES=1 npx vitest run test/shipped-rules.test.ts
 *
 * Every alert is `<signal> <op> <threshold>`, with the signal kept separately so the e2e test can
 * evaluate it on its own (an alert expression that is not firing returns no data).
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
  readonly op: '>' | '<' | '==';
  readonly threshold: number;
  readonly for: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
  readonly description: string;
}

export const PROMETHEUS_DIR = fileURLToPath(new URL('../examples/prometheus/', import.meta.url));
export const RECORDING_RULES_PATH = `${PROMETHEUS_DIR}recording-rules.yml`;
export const ALERT_RULES_PATH = `${PROMETHEUS_DIR}alert-rules.yml`;

const H = M.httpServerDuration;
const sumRate = (by: string, series: string) => `sum by (${by}) (rate(${series}[1m]))`;

export const RECORDING_RULES: readonly RecordingRule[] = [
  // Request rate (the seeds' rate(request_count[5m])).
  { record: 'job:http_server_requests:rate1m', expr: sumRate('job', H.count) },
  { record: 'job_route:http_server_requests:rate1m', expr: sumRate(`job, ${L.route}`, H.count) },
  // Error ratio: requests that carry error.type (5xx, or no response at all) over all requests.
  {
    record: 'job:http_server_request_errors:ratio_rate1m',
    expr: ratio(sumRate('job', `${H.count}{${L.errorType}!=""}`), sumRate('job', H.count)),
  },
  // Latency quantiles per route, and p95 over the whole service for the SLO alert.
  ...([0.5, 0.95, 0.99] as const).map((q) => ({
    record: `job_route:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate1m`,
    expr: quantile(q, H.bucket, ['job', L.route], '1m'),
  })),
  { record: 'job:http_server_request_duration_seconds:p95_rate1m', expr: quantile(0.95, H.bucket, ['job'], '1m') },
  // Cache hit ratio (a rule, not a gauge that goes stale).
  {
    record: 'job_cache:cache_hits:ratio_rate1m',
    expr: shareOfTwo(sumRate(`job, ${L.cacheName}`, M.cacheHits), sumRate(`job, ${L.cacheName}`, M.cacheMisses)),
  },
  // Tokens per second by model and type (input / output).
  {
    record: 'job_model_type:gen_ai_client_tokens:rate1m',
    expr: sumRate(`job, ${L.requestModel}, ${L.tokenType}`, M.llmTokens.sum),
  },
  // Time to first chunk (the seeds' TTFT), p95 per model.
  {
    record: 'job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate1m',
    expr: quantile(0.95, M.llmTimeToFirstChunk.bucket, ['job', L.requestModel], '1m'),
  },
];

export const ALERT_RULES: readonly AlertRule[] = [
  {
    alert: 'HttpHighErrorRatio',
    signal: 'job:http_server_request_errors:ratio_rate1m',
    op: '>',
    threshold: 0.05,
    for: '5m',
    severity: 'warning',
    summary: 'More than 5% of requests to {{ $labels.job }} fail',
    description: '{{ $value | humanizePercentage }} of HTTP requests ended in a 5xx or without a response over the last minute.',
  },
  {
    alert: 'HttpLatencyP95OverSlo',
    // 0.5 s is a bucket boundary of http.server.request.duration, so the comparison is exact.
    signal: 'job:http_server_request_duration_seconds:p95_rate1m',
    op: '>',
    threshold: 0.5,
    for: '5m',
    severity: 'warning',
    summary: 'p95 latency of {{ $labels.job }} is over the 500 ms SLO',
    description: '95th percentile HTTP server latency is {{ $value | humanizeDuration }}.',
  },
  {
    alert: 'CircuitBreakerOpen',
    // "Not closed" rather than "open": a breaker probing a dead upstream flips between open and
    // half_open, and either is an outage; this one series stays 0 throughout it.
    signal: `${M.breakerState}{${L.breakerState}="closed"}`,
    op: '==',
    threshold: 0,
    for: '30s',
    severity: 'critical',
    summary: 'Circuit breaker {{ $labels.circuit_breaker_name }} on {{ $labels.job }} is open',
    description: 'The breaker has been open or half-open for more than 30s: calls to its upstream are being rejected or probed.',
  },
  {
    alert: 'LlmTimeToFirstChunkP95High',
    // 1.28 s is a bucket boundary of the GenAI duration histograms.
    signal: 'job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate1m',
    op: '>',
    threshold: 1.28,
    for: '5m',
    severity: 'warning',
    summary: 'Time to first chunk of {{ $labels.gen_ai_request_model }} is slow',
    description: 'p95 time to first streamed chunk is {{ $value | humanizeDuration }} (threshold 1.28s).',
  },
  {
    alert: 'CacheHitRatioLow',
    signal: 'job_cache:cache_hits:ratio_rate1m',
    op: '<',
    threshold: 0.5,
    for: '10m',
    severity: 'info',
    summary: 'Cache {{ $labels.cache_name }} on {{ $labels.job }} hits less than half the time',
    description: 'Hit ratio is {{ $value | humanizePercentage }} over the last minute.',
  },
  {
    alert: 'ScrapeTargetDown',
    signal: 'up',
    op: '==',
    threshold: 0,
    for: '1m',
    severity: 'critical',
    summary: 'Prometheus cannot scrape {{ $labels.instance }} ({{ $labels.job }})',
    description: 'The metrics endpoint has not answered for more than a minute.',
  },
];

export function alertExpr(rule: AlertRule): string {
  return `${rule.signal} ${rule.op} ${rule.threshold}`;
}

/** A YAML single-quoted scalar: PromQL's double quotes stay readable; `'` is doubled. */
const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function header(what: string): string[] {
  return [
    `# promkit: ${what}, generated from the catalogue by scripts/prometheus-rules.ts; do not edit by hand.`,
    '# Regenerate: UPDATE_SHIPPED_RULES=1 npx vitest run test/shipped-rules.test.ts',
  ];
}

export function renderRecordingRules(): string {
  const lines = [...header('recording rules'), 'groups:', '  - name: promkit.recording', '    rules:'];
  for (const rule of RECORDING_RULES) {
    lines.push(`      - record: ${rule.record}`, `        expr: ${quote(rule.expr)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAlertRules(): string {
  const lines = [
    ...header('alert rules'),
    '# They read the recording rules in recording-rules.yml: load both files.',
    'groups:',
    '  - name: promkit.alerts',
    '    rules:',
  ];
  for (const rule of ALERT_RULES) {
    lines.push(
      `      - alert: ${rule.alert}`,
      `        expr: ${quote(alertExpr(rule))}`,
      `        for: ${rule.for}`,
      '        labels:',
      `          severity: ${rule.severity}`,
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
