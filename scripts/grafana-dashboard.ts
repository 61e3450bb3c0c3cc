/**
 * The shipped Grafana dashboard (`examples/grafana/dashboard.json`): a row per domain, generated
 * from the catalogue's names. `test/servers/shipped-rules.test.ts` fails when the committed file differs
 * from a fresh render; regenerate with
 *
 *   npm run generate
 *
 * Queries use Grafana's `$__rate_interval`; the e2e test evaluates each with it set to `1m`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { L, M, quantile, ratio, shareOfTwo } from './promql-names.js';

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
}

export interface DashboardPanel {
  readonly title: string;
  readonly description: string;
  readonly type: 'timeseries' | 'stat';
  /** Grafana unit id: `reqps`, `percentunit`, `s`, `bytes`, `short`, ... */
  readonly unit: string;
  readonly targets: readonly DashboardTarget[];
}

export interface DashboardRow {
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
}

export const DASHBOARD_PATH = fileURLToPath(new URL('../examples/grafana/dashboard.json', import.meta.url));

/** Grafana's rate window variable; the e2e test substitutes `1m`. */
export const RATE_INTERVAL = '$__rate_interval';
const R = RATE_INTERVAL;
const H = M.httpServerDuration;

function target(expr: string, legendFormat: string, refId = 'A'): DashboardTarget {
  return { refId, expr, legendFormat };
}

function panel(
  title: string,
  unit: string,
  description: string,
  targets: readonly DashboardTarget[],
  type: DashboardPanel['type'] = 'timeseries',
): DashboardPanel {
  return { title, description, type, unit, targets };
}

const sumRate = (by: string, series: string) => `sum by (${by}) (rate(${series}[${R}]))`;

export const DASHBOARD_ROWS: readonly DashboardRow[] = [
  {
    title: 'Service',
    panels: [
      panel('Scrape target up', 'short', 'up is 1 while Prometheus can scrape the endpoint.', [target('up', '{{job}} {{instance}}')], 'stat'),
      panel(
        'Service identity',
        'short',
        'One target_info series per process, carrying the resource attributes.',
        [target('count by (service_name, service_version, deployment_environment_name) (target_info)', '{{service_name}} {{service_version}}')],
        'stat',
      ),
    ],
  },
  {
    title: 'HTTP server',
    panels: [
      panel('Request rate by route', 'reqps', 'Requests per second by route template (http.route).', [
        target(sumRate(L.route, H.count), '{{http_route}}'),
      ]),
      panel('Server error ratio', 'percentunit', 'Share of requests that ended in a 5xx or without a response (error.type set).', [
        target(ratio(`sum(rate(${H.count}{${L.errorType}!=""}[${R}]))`, `sum(rate(${H.count}[${R}]))`), 'errors'),
      ]),
      panel('Latency p50 / p95 / p99', 's', 'Quantiles of http.server.request.duration over all routes.', [
        target(quantile(0.5, H.bucket, [], R), 'p50', 'A'),
        target(quantile(0.95, H.bucket, [], R), 'p95', 'B'),
        target(quantile(0.99, H.bucket, [], R), 'p99', 'C'),
      ]),
      panel('p95 latency by route', 's', 'histogram_quantile per route template.', [
        target(quantile(0.95, H.bucket, [L.route], R), '{{http_route}}'),
      ]),
      panel('Responses by status code', 'reqps', 'Requests per second by http.response.status_code.', [
        target(sumRate(L.status, H.count), '{{http_response_status_code}}'),
      ]),
      panel('In-flight requests', 'short', 'http.server.active_requests by method.', [
        target(`sum by (${L.method}) (${M.httpServerActive})`, '{{http_request_method}}'),
      ]),
      panel('Outgoing requests p95 by server', 's', 'http.client.request.duration (node:http and fetch) by server.', [
        target(quantile(0.95, M.httpClientDuration.bucket, [L.serverAddress, L.serverPort], R), '{{server_address}}:{{server_port}}'),
      ]),
    ],
  },
  {
    title: 'LLM',
    panels: [
      panel('LLM calls by model and outcome', 'reqps', 'gen_ai.client.operation.duration count by request model and error.type.', [
        target(sumRate(`${L.requestModel}, ${L.errorType}`, M.llmDuration.count), '{{gen_ai_request_model}} {{error_type}}'),
      ]),
      panel('Time to first chunk p95 by model', 's', 'gen_ai.client.operation.time_to_first_chunk: time to first token (TTFT) of streamed calls.', [
        target(quantile(0.95, M.llmTimeToFirstChunk.bucket, [L.requestModel], R), '{{gen_ai_request_model}}'),
      ]),
      panel('Time per output chunk p50 by model', 's', 'Gap between streamed content chunks.', [
        target(quantile(0.5, M.llmTimePerChunk.bucket, [L.requestModel], R), '{{gen_ai_request_model}}'),
      ]),
      panel('Call duration p95 by model', 's', 'Whole operation, first byte sent to last chunk.', [
        target(quantile(0.95, M.llmDuration.bucket, [L.requestModel], R), '{{gen_ai_request_model}}'),
      ]),
      panel('Tokens per second by model and type', 'short', 'rate of gen_ai.client.token.usage sum: input and output tokens per second.', [
        target(sumRate(`${L.requestModel}, ${L.tokenType}`, M.llmTokens.sum), '{{gen_ai_request_model}} {{gen_ai_token_type}}'),
      ]),
    ],
  },
  {
    title: 'Cache',
    panels: [
      panel('Hit ratio by cache', 'percentunit', 'hits / (hits + misses).', [
        target(shareOfTwo(sumRate(L.cacheName, M.cacheHits), sumRate(L.cacheName, M.cacheMisses)), '{{cache_name}}'),
      ]),
      panel('Hits, misses and evictions', 'ops', 'Per second, by cache.', [
        target(sumRate(L.cacheName, M.cacheHits), '{{cache_name}} hits', 'A'),
        target(sumRate(L.cacheName, M.cacheMisses), '{{cache_name}} misses', 'B'),
        target(sumRate(L.cacheName, M.cacheEvictions), '{{cache_name}} evictions', 'C'),
      ]),
      panel('Entries', 'short', 'cache.entries.', [target(`sum by (${L.cacheName}) (${M.cacheEntries})`, '{{cache_name}}')]),
      panel('Size', 'bytes', 'cache.size.', [target(`sum by (${L.cacheName}) (${M.cacheSize})`, '{{cache_name}}')]),
      panel('Operation p99', 's', 'cache.operation.duration by cache and operation.', [
        target(quantile(0.99, M.cacheDuration.bucket, [L.cacheName, L.cacheOperation], R), '{{cache_name}} {{cache_operation}}'),
      ]),
    ],
  },
  {
    title: 'Database',
    panels: [
      panel('Queries per second by operation and table', 'ops', 'db.client.operation.duration count.', [
        target(sumRate(`${L.dbOperation}, ${L.dbCollection}`, M.dbDuration.count), '{{db_operation_name}} {{db_collection_name}}'),
      ]),
      panel('Query errors per second', 'ops', 'By table and error.type (SQLSTATE or error name).', [
        target(sumRate(`${L.dbCollection}, ${L.errorType}`, `${M.dbDuration.count}{${L.errorType}!=""}`), '{{db_collection_name}} {{error_type}}'),
      ]),
      panel('Query p95 by operation and table', 's', 'histogram_quantile over db.client.operation.duration.', [
        target(quantile(0.95, M.dbDuration.bucket, [L.dbOperation, L.dbCollection], R), '{{db_operation_name}} {{db_collection_name}}'),
      ]),
      panel('Rows returned per query', 'short', 'Average of db.client.response.returned_rows.', [
        target(`${sumRate(L.dbCollection, M.dbRows.sum)} / ${sumRate(L.dbCollection, M.dbRows.count)}`, '{{db_collection_name}}'),
      ]),
    ],
  },
  {
    title: 'Circuit breaker',
    panels: [
      panel(
        'Breaker state',
        'short',
        'The current state of each breaker (one-hot gauge: the series at 1).',
        [target(`max by (${L.breakerName}, ${L.breakerState}) (${M.breakerState}) == 1`, '{{circuit_breaker_name}}: {{circuit_breaker_state}}')],
        'stat',
      ),
      panel('Calls per second by outcome', 'ops', 'success, failure, timeout, rejected, fallback.', [
        target(sumRate(`${L.breakerName}, ${L.breakerOutcome}`, M.breakerCalls.count), '{{circuit_breaker_name}} {{circuit_breaker_outcome}}'),
      ]),
      panel('Failure rate (breaker window)', 'percentunit', 'The breaker\'s own rolling failure rate.', [
        target(`max by (${L.breakerName}) (${M.breakerFailureRate})`, '{{circuit_breaker_name}}'),
      ]),
      // Totals rather than increase(...[1h]): a transition series is born at 1 on its first
      // transition, and increase() cannot see that first step.
      panel('Transitions since start', 'short', 'State changes by from and to state, counted since the process started.', [
        target(
          `sum by (${L.breakerName}, ${L.breakerFrom}, ${L.breakerTo}) (${M.breakerTransitions})`,
          '{{circuit_breaker_name}} {{circuit_breaker_from_state}} → {{circuit_breaker_to_state}}',
        ),
      ]),
    ],
  },
  {
    title: 'Node.js runtime',
    panels: [
      panel('CPU seconds per second by mode', 'short', 'process.cpu.time rate: 1 is one core busy.', [
        target(sumRate(`job, instance, ${L.cpuMode}`, M.cpuTime), '{{instance}} {{cpu_mode}}'),
      ]),
      panel('Resident memory', 'bytes', 'process.memory.usage (RSS).', [target(`sum by (job, instance) (${M.memoryUsage})`, '{{instance}}')]),
      panel('V8 heap used', 'bytes', 'v8js.memory.heap.used over all heap spaces.', [target(`sum by (job, instance) (${M.heapUsed})`, '{{instance}}')]),
      panel('Event loop delay p99', 's', 'nodejs.eventloop.delay.p99.', [target(`max by (job, instance) (${M.eventLoopDelayP99})`, '{{instance}}')]),
      panel('Event loop utilization', 'percentunit', 'nodejs.eventloop.utilization.', [
        target(`max by (job, instance) (${M.eventLoopUtilization})`, '{{instance}}'),
      ]),
      panel('GC time per second by type', 'percentunit', 'Share of wall time spent in garbage collection (v8js.gc.duration).', [
        target(sumRate(`job, instance, ${L.gcType}`, M.gcDuration.sum), '{{instance}} {{v8js_gc_type}}'),
      ]),
      panel('Uptime', 's', 'process.uptime.', [target(`max by (job, instance) (${M.uptime})`, '{{instance}}')], 'stat'),
    ],
  },
];

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const PANEL_WIDTH = 8;
const PANEL_HEIGHT = 8;

/** The Grafana dashboard model (schema 39), rows laid out three panels wide. */
export function renderDashboard(): string {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of DASHBOARD_ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    row.panels.forEach((spec, i) => {
      panels.push({
        id: id++,
        type: spec.type,
        title: spec.title,
        description: spec.description,
        datasource: DATASOURCE,
        gridPos: { x: (i % 3) * PANEL_WIDTH, y: y + Math.floor(i / 3) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
        fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
        options: spec.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, textMode: 'value_and_name' } : { legend: { displayMode: 'list', placement: 'bottom' } },
        targets: spec.targets.map((t) => ({ ...t, datasource: DATASOURCE })),
      });
    });
    y += Math.ceil(row.panels.length / 3) * PANEL_HEIGHT;
  }
  const dashboard = {
    title: 'promkit: service overview',
    uid: 'promkit-overview',
    description: 'Generated from the promkit catalogue by scripts/grafana-dashboard.ts; do not edit by hand.',
    tags: ['promkit', 'opentelemetry'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    annotations: { list: [] },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** Every query in the dashboard, with the panel it belongs to. */
export function dashboardQueries(): { panel: string; refId: string; expr: string }[] {
  return DASHBOARD_ROWS.flatMap((row) => row.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr }))));
}

export function writeDashboard(): void {
  writeFileSync(DASHBOARD_PATH, renderDashboard());
}
