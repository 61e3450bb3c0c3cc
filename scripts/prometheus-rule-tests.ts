/**
 * `promtool test rules` unit tests for the shipped rules (`examples/prometheus/tests/*.yml`), one
 * file per scrape interval (15 s, 30 s, 60 s: Prometheus's default), generated from the same
 * rule definitions. `test/servers/rule-unit-tests.test.ts` runs promtool on each file and fails when the
 * committed files differ from a fresh render; regenerate with
 *
 *   npm run generate
 *
 * Each scenario is a service's series over time (counters as steady per-second rates, gauges as
 * values) and what the rules must make of it: the value of every recording rule, and for every
 * alert that it is still silent one evaluation before its `for:` has elapsed and firing (exact
 * labels and annotations) at the evaluation after, or silent throughout. Rates, values and
 * bucket contents are binary fractions so every expected value is exact, and expected values
 * are computed here the way Prometheus computes them (`bucketQuantile` mirrors Go's).
 */
import { writeFileSync } from 'node:fs';
import { renderAnnotation } from './promtool-format.js';
import { ALERT_RULES, PROMETHEUS_DIR, RATE_WINDOW, RECORDING_RULES, type AlertName, type AlertRule } from './prometheus-rules.js';
import { L, M } from './promql-names.js';

/** Scrape intervals the tests run at, in seconds. */
export const RULE_TEST_INTERVALS = [15, 30, 60] as const;
/**
 * Rules are evaluated every 15 s whatever the scrape interval, so at 30 s and 60 s they also run
 * between scrapes, as on a real server, where scrapes and rule evaluations are not aligned. A
 * `[1m]` window at a 60 s interval then holds one sample at three evaluations in four, and an
 * alert with a `for:` never fires; aligned, it would hold two and hide the problem.
 */
export const RULE_TEST_EVALUATION_INTERVAL = 15;
export type RuleTestInterval = (typeof RULE_TEST_INTERVALS)[number];

export const RULE_TESTS_DIR = `${PROMETHEUS_DIR}tests/`;
export const ruleTestPath = (interval: RuleTestInterval) => `${RULE_TESTS_DIR}rules-${interval}s.yml`;

type Labels = Readonly<Record<string, string>>;

// ---------------------------------------------------------------------------------------------
// Series over time

/** A stretch of time in which a counter grows by `perSecond`, or in which the series is gone. */
type Phase = { readonly seconds: number; readonly perSecond: number } | { readonly seconds: number; readonly gone: true };

const steady = (perSecond: number, seconds: number): Phase[] => [{ seconds, perSecond }];

/** promtool's expanding notation for a counter that starts at 0 and follows `phases`. */
function counterValues(phases: readonly Phase[], interval: number, scale: number): string {
  const tokens = ['0'];
  let value = 0;
  for (const phase of phases) {
    const steps = phase.seconds / interval;
    if (!Number.isInteger(steps)) throw new Error(`a phase of ${phase.seconds}s is not a whole number of ${interval}s steps`);
    if ('gone' in phase) {
      tokens.push(`_x${steps}`);
      continue;
    }
    const step = phase.perSecond * scale * interval;
    tokens.push(`${value + step}+${step}x${steps - 1}`);
    value += step * steps;
  }
  return tokens.join(' ');
}

interface InputSeries {
  readonly series: string;
  readonly values: string;
}

function selector(name: string, labels: Labels): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** Calls observed into a histogram: `rate` per second (over `phases`), each taking `value`. */
interface Calls {
  readonly labels: Labels;
  readonly phases: readonly Phase[];
  readonly value: number;
}

type HistogramNames = { readonly bucket: string; readonly sum: string; readonly count: string; readonly boundaries: readonly number[] };

/** The series of a histogram; `buckets: false` leaves out `_bucket` where no rule reads it. */
function histogramSeries(h: HistogramNames, calls: Calls, interval: number, { buckets = true } = {}): InputSeries[] {
  const les = buckets ? [...h.boundaries, Infinity] : [];
  return [
    ...les.map((le) => ({
      series: selector(h.bucket, { ...calls.labels, le: le === Infinity ? '+Inf' : String(le) }),
      values: counterValues(calls.phases, interval, calls.value <= le ? 1 : 0),
    })),
    { series: selector(h.sum, calls.labels), values: counterValues(calls.phases, interval, calls.value) },
    { series: selector(h.count, calls.labels), values: counterValues(calls.phases, interval, 1) },
  ];
}

/** A gauge with the value `at(step)` at each step. */
function gaugeSeries(name: string, labels: Labels, steps: number, at: (step: number) => number): InputSeries {
  const tokens: string[] = [];
  for (let step = 0; step <= steps; ) {
    const value = at(step);
    let run = 1;
    while (step + run <= steps && at(step + run) === value) run += 1;
    tokens.push(run === 1 ? String(value) : `${value}+0x${run - 1}`);
    step += run;
  }
  return { series: selector(name, labels), values: tokens.join(' ') };
}

// ---------------------------------------------------------------------------------------------
// Expected values, computed as Prometheus does once the 5 m window is full of steady rates

/** The per-second rate of calls at the end of `phases` (the rate the window sees). */
const rateOf = (calls: Calls): number => {
  const last = calls.phases.at(-1)!;
  return 'gone' in last ? 0 : last.perSecond;
};

/** Go's `bucketQuantile` (promql/quantile.go) over the summed bucket rates of `calls`. */
function bucketQuantile(q: number, boundaries: readonly number[], calls: readonly Calls[]): number {
  const buckets = [...boundaries, Infinity].map((upper) => ({
    upper,
    count: calls.reduce((sum, c) => sum + (c.value <= upper ? rateOf(c) : 0), 0),
  }));
  const observations = buckets.at(-1)!.count;
  let rank = q * observations;
  const b = buckets.findIndex((bucket, i) => i === buckets.length - 1 || bucket.count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upper;
  let start = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (buckets[b]!.upper - start) * (rank / count);
}

const sumRates = (calls: readonly Calls[]) => calls.reduce((sum, c) => sum + rateOf(c), 0);
const meanOf = (calls: readonly Calls[]) => calls.reduce((sum, c) => sum + rateOf(c) * c.value, 0) / sumRates(calls);

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

interface AlertExpectation {
  readonly alert: AlertName;
  /** Seconds into the scenario of the first evaluation at which the condition holds; absent: never. */
  readonly holdsFrom?: (interval: number) => number;
  /** The alerts it fires (expression labels and value), when it fires. */
  readonly fires?: readonly Sample[];
  /** Further times (s) at which it is still firing, and times at which it is silent. */
  readonly firingAt?: (interval: number) => readonly number[];
  readonly silentAt?: (interval: number) => readonly number[];
}

interface RecordExpectation {
  readonly record: string;
  readonly samples: readonly Sample[];
}

interface Scenario {
  readonly name: string;
  readonly seconds: number;
  series(interval: number): InputSeries[];
  readonly alerts: readonly AlertExpectation[];
  readonly records: readonly RecordExpectation[];
}

const JOB = 'api';
const INSTANCE = '10.0.0.7:9464';
const TARGET = { job: JOB, instance: INSTANCE } as const;
const W = RATE_WINDOW;
/** Where recording rules are checked: the rate window is full at every interval. */
const RECORD_AT = 600;
const EVAL = RULE_TEST_EVALUATION_INTERVAL;
/** Rate-based conditions hold from the second sample, when `rate()` first has two points. */
const fromSecondSample = (interval: number) => interval;
const fromFirstSample = () => 0;

const H = M.httpServerDuration;
const route = (r: string, method: string, status: string, extra: Labels = {}): Labels => ({
  ...TARGET,
  [L.route]: r,
  [L.method]: method,
  [L.status]: status,
  ...extra,
});
const serverCalls = (labels: Labels, perSecond: number, value: number, seconds: number): Calls => ({ labels, phases: steady(perSecond, seconds), value });

/** The p-quantile recording rules per route and for the job, all from the same calls. */
function httpRecords(calls: readonly Calls[]): RecordExpectation[] {
  const routes = [...new Set(calls.map((c) => c.labels[L.route]!))].sort();
  const byRoute = (r: string) => calls.filter((c) => c.labels[L.route] === r);
  const errors = calls.filter((c) => c.labels[L.errorType] !== undefined);
  return [
    { record: `job:http_server_requests:rate${W}`, samples: [{ labels: { job: JOB }, value: sumRates(calls) }] },
    {
      record: `job_route:http_server_requests:rate${W}`,
      samples: routes.map((r) => ({ labels: { job: JOB, [L.route]: r }, value: sumRates(byRoute(r)) })),
    },
    { record: `job:http_server_request_errors:ratio_rate${W}`, samples: [{ labels: { job: JOB }, value: sumRates(errors) / sumRates(calls) }] },
    ...([0.5, 0.95, 0.99] as const).map((q) => ({
      record: `job_route:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate${W}`,
      samples: routes.map((r) => ({ labels: { job: JOB, [L.route]: r }, value: bucketQuantile(q, H.boundaries, byRoute(r)) })),
    })),
    ...([0.95, 0.99] as const).map((q) => ({
      record: `job:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate${W}`,
      samples: [{ labels: { job: JOB }, value: bucketQuantile(q, H.boundaries, calls) }],
    })),
    { record: `job:http_server_request_duration_seconds:mean_rate${W}`, samples: [{ labels: { job: JOB }, value: meanOf(calls) }] },
  ];
}

const HTTP_SECONDS = 1200;
// All requests slow (1.5 s) and one in five failing.
const HTTP_DEGRADED: Calls[] = [
  serverCalls(route('/orders/:id', 'GET', '200'), 1, 1.5, HTTP_SECONDS),
  serverCalls(route('/orders/:id', 'GET', '500', { [L.errorType]: '500' }), 0.25, 1.5, HTTP_SECONDS),
];
// Fast requests, errors at 2% of traffic.
const HTTP_HEALTHY: Calls[] = [
  serverCalls(route('/users/:id', 'GET', '200'), 1, 0.375, HTTP_SECONDS),
  serverCalls(route('/orders', 'POST', '201'), 0.5, 0.125, HTTP_SECONDS),
  serverCalls(route('/orders', 'POST', '500', { [L.errorType]: '500' }), 1 / 32, 0.125, HTTP_SECONDS),
];
const jobAlert = (value: number): Sample[] => [{ labels: { job: JOB }, value }];

const breakerCalls = (breaker: string, outcome: string, perSecond: number, value: number, seconds: number): Calls => ({
  labels: { ...TARGET, [L.breakerName]: breaker, [L.breakerOutcome]: outcome },
  phases: steady(perSecond, seconds),
  value,
});
const breakerState = (breaker: string, seconds: number, interval: number, stateAt: (step: number) => string): InputSeries[] =>
  ['closed', 'open', 'half_open'].map((state) =>
    gaugeSeries(M.breakerState, { ...TARGET, [L.breakerName]: breaker, [L.breakerState]: state }, seconds / interval, (step) => (stateAt(step) === state ? 1 : 0)),
  );

const BREAKER_SECONDS = 1200;
// The pricing upstream fails half its calls, slowly; the breaker flips between open and half-open.
const BREAKER_DEGRADED: Calls[] = [
  breakerCalls('pricing', 'success', 1, 1.5, BREAKER_SECONDS),
  breakerCalls('pricing', 'failure', 0.25, 1.5, BREAKER_SECONDS),
  breakerCalls('pricing', 'timeout', 0.25, 1.5, BREAKER_SECONDS),
  // Rejected calls take no time; counted into the mean they would pull it to 0.9 s, under 1 s.
  breakerCalls('pricing', 'rejected', 1, 0, BREAKER_SECONDS),
];
const BREAKER_HEALTHY: Calls[] = [
  breakerCalls('pricing', 'success', 1, 0.25, BREAKER_SECONDS),
  breakerCalls('pricing', 'failure', 1 / 32, 0.25, BREAKER_SECONDS),
];
const executed = (calls: readonly Calls[]) => calls.filter((c) => ['success', 'failure', 'timeout'].includes(c.labels[L.breakerOutcome]!));
const failed = (calls: readonly Calls[]) => calls.filter((c) => ['failure', 'timeout'].includes(c.labels[L.breakerOutcome]!));
const breakerRecords = (calls: readonly Calls[]): RecordExpectation[] => [
  {
    record: `job_breaker:circuit_breaker_call_failures:ratio_rate${W}`,
    samples: [{ labels: { job: JOB, [L.breakerName]: 'pricing' }, value: sumRates(failed(calls)) / sumRates(executed(calls)) }],
  },
  {
    record: `job_breaker:circuit_breaker_call_duration_seconds:mean_rate${W}`,
    samples: [{ labels: { job: JOB, [L.breakerName]: 'pricing' }, value: meanOf(executed(calls)) }],
  },
];

const DB_SECONDS = 1200;
const dbCalls = (perSecond: number, value: number): Calls => ({
  labels: { ...TARGET, db_system_name: 'postgresql', [L.dbOperation]: 'SELECT', [L.dbCollection]: 'users' },
  phases: steady(perSecond, DB_SECONDS),
  value,
});

const LLM_SECONDS = 1200;
const llmLabels = (provider: string, model: string, extra: Labels = {}): Labels => ({
  ...TARGET,
  gen_ai_operation_name: 'chat',
  [L.providerName]: provider,
  [L.requestModel]: model,
  ...extra,
});
interface LlmTraffic {
  readonly calls: Calls;
  /** Time to first chunk of the successful calls. */
  readonly ttft?: number;
}
function llmSeries(traffic: readonly LlmTraffic[], interval: number): InputSeries[] {
  return traffic.flatMap(({ calls, ttft }) => {
    const series = histogramSeries(M.llmDuration, calls, interval, { buckets: false });
    if (ttft === undefined) return series;
    const { [L.errorType]: _, ...tokenLabels } = calls.labels;
    return [
      ...series,
      ...histogramSeries(M.llmTimeToFirstChunk, { ...calls, value: ttft }, interval),
      ...histogramSeries(M.llmTokens, { labels: { ...tokenLabels, [L.tokenType]: 'input' }, phases: calls.phases, value: 64 }, interval, { buckets: false }),
      ...histogramSeries(M.llmTokens, { labels: { ...tokenLabels, [L.tokenType]: 'output' }, phases: calls.phases, value: 256 }, interval, { buckets: false }),
    ];
  });
}
const llmCalls = (labels: Labels, phases: readonly Phase[], value = 0.5): Calls => ({ labels, phases, value });

const LLM_STOP = 1800;
const LLM_LOOKBACK = 3600;
const LLM_DOWN_SECONDS = LLM_STOP + LLM_LOOKBACK + 600;
/**
 * Calls stop at LLM_STOP: the last increase is from the sample one scrape before it, and the
 * 5 m window `[t - 5m, t]` first leaves that sample out at the evaluation after LLM_STOP - 1 scrape + 5 m.
 */
const llmIdleFrom = (interval: number) => LLM_STOP - interval + 300 + EVAL;
/** Likewise the lookback `[1h] offset 5m` holds that increase up to LLM_STOP - 1 scrape + 65 m. */
const llmLookbackEmptyFrom = (interval: number) => LLM_STOP - interval + LLM_LOOKBACK + 300 + EVAL;

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'HTTP server: every request takes 1.5 s and one in five fails',
    seconds: HTTP_SECONDS,
    series: (i) => HTTP_DEGRADED.flatMap((c) => histogramSeries(H, c, i)),
    alerts: [
      { alert: 'HttpHighErrorRatio', holdsFrom: fromSecondSample, fires: jobAlert(0.25 / 1.25) },
      { alert: 'HttpLatencyP95OverSlo', holdsFrom: fromSecondSample, fires: jobAlert(bucketQuantile(0.95, H.boundaries, HTTP_DEGRADED)) },
      { alert: 'HttpLatencyP99High', holdsFrom: fromSecondSample, fires: jobAlert(bucketQuantile(0.99, H.boundaries, HTTP_DEGRADED)) },
      { alert: 'HttpLatencySpike', holdsFrom: fromSecondSample, fires: jobAlert(1.5) },
    ],
    records: httpRecords(HTTP_DEGRADED),
  },
  {
    name: 'HTTP server: fast requests, 2% errors; the service makes no LLM calls',
    seconds: HTTP_SECONDS,
    series: (i) => HTTP_HEALTHY.flatMap((c) => histogramSeries(H, c, i)),
    alerts: (['HttpHighErrorRatio', 'HttpLatencyP95OverSlo', 'HttpLatencyP99High', 'HttpLatencySpike', 'LlmServiceDown', 'LlmProviderDown'] as const).map((alert) => ({
      alert,
      silentAt: () => [RECORD_AT, HTTP_SECONDS],
    })),
    records: httpRecords(HTTP_HEALTHY),
  },
  {
    name: 'Circuit breaker: half the calls fail after 1.5 s; the breaker flips between open and half-open',
    seconds: BREAKER_SECONDS,
    series: (i) => [
      ...BREAKER_DEGRADED.flatMap((c) => histogramSeries(M.breakerCalls, c, i, { buckets: false })),
      ...breakerState('pricing', BREAKER_SECONDS, i, (step) => (step % 2 === 0 ? 'open' : 'half_open')),
    ],
    alerts: [
      { alert: 'CircuitBreakerOpen', holdsFrom: fromFirstSample, fires: [{ labels: { ...TARGET, [L.breakerName]: 'pricing' }, value: 1 }] },
      {
        alert: 'CircuitBreakerHighFailureRate',
        holdsFrom: fromSecondSample,
        fires: [{ labels: { job: JOB, [L.breakerName]: 'pricing' }, value: sumRates(failed(BREAKER_DEGRADED)) / sumRates(executed(BREAKER_DEGRADED)) }],
      },
      { alert: 'CircuitBreakerLatencySpike', holdsFrom: fromSecondSample, fires: [{ labels: { job: JOB, [L.breakerName]: 'pricing' }, value: 1.5 }] },
    ],
    records: breakerRecords(BREAKER_DEGRADED),
  },
  {
    name: 'Circuit breaker: closed, 3% of calls fail, calls take 250 ms',
    seconds: BREAKER_SECONDS,
    series: (i) => [...BREAKER_HEALTHY.flatMap((c) => histogramSeries(M.breakerCalls, c, i, { buckets: false })), ...breakerState('pricing', BREAKER_SECONDS, i, () => 'closed')],
    alerts: (['CircuitBreakerOpen', 'CircuitBreakerHighFailureRate', 'CircuitBreakerLatencySpike'] as const).map((alert) => ({
      alert,
      silentAt: () => [RECORD_AT, BREAKER_SECONDS],
    })),
    records: breakerRecords(BREAKER_HEALTHY),
  },
  {
    name: 'Database: queries take 1.5 s',
    seconds: DB_SECONDS,
    series: (i) => histogramSeries(M.dbDuration, dbCalls(1, 1.5), i, { buckets: false }),
    alerts: [{ alert: 'DbLatencySpike', holdsFrom: fromSecondSample, fires: jobAlert(1.5) }],
    records: [{ record: `job:db_client_operation_duration_seconds:mean_rate${W}`, samples: jobAlert(1.5) }],
  },
  {
    name: 'Database: queries take 62.5 ms',
    seconds: DB_SECONDS,
    series: (i) => histogramSeries(M.dbDuration, dbCalls(1, 0.0625), i, { buckets: false }),
    alerts: [{ alert: 'DbLatencySpike', silentAt: () => [RECORD_AT, DB_SECONDS] }],
    records: [{ record: `job:db_client_operation_duration_seconds:mean_rate${W}`, samples: jobAlert(0.0625) }],
  },
  ...llmScenarios(),
  ...cacheScenarios(),
  {
    name: 'Scrape target: down',
    seconds: 600,
    series: (i) => [gaugeSeries('up', TARGET, 600 / i, () => 0)],
    alerts: [{ alert: 'ScrapeTargetDown', holdsFrom: fromFirstSample, fires: [{ labels: TARGET, value: 0 }] }],
    records: [],
  },
  {
    name: 'Scrape target: up',
    seconds: 600,
    series: (i) => [gaugeSeries('up', TARGET, 600 / i, () => 1)],
    alerts: [{ alert: 'ScrapeTargetDown', silentAt: () => [300, 600] }],
    records: [],
  },
];

function llmScenarios(): Scenario[] {
  const ok = (provider: string, model: string, perSecond: number) => llmCalls(llmLabels(provider, model), steady(perSecond, LLM_SECONDS));
  const failing = (provider: string, model: string, perSecond: number) =>
    llmCalls(llmLabels(provider, model, { [L.errorType]: 'RateLimitError' }), steady(perSecond, LLM_SECONDS), 0.0625);
  // openai's success series exists but does not move; anthropic has none at all.
  const down: LlmTraffic[] = [
    { calls: ok('openai', 'gpt-4o-mini', 0) },
    { calls: failing('openai', 'gpt-4o-mini', 1) },
    { calls: failing('anthropic', 'claude-haiku', 0.25) },
  ];
  const slow: LlmTraffic[] = [{ calls: ok('openai', 'gpt-4o', 1), ttft: 2 }];
  const healthy: LlmTraffic[] = [
    { calls: ok('openai', 'gpt-4o-mini', 1), ttft: 0.0625 },
    { calls: failing('openai', 'gpt-4o-mini', 0.5) },
  ];
  const ttftRecord = (traffic: LlmTraffic[]): RecordExpectation => ({
    record: `job_model:gen_ai_client_operation_time_to_first_chunk_seconds:p95_rate${W}`,
    samples: traffic
      .filter((t) => t.ttft !== undefined)
      .map((t) => ({
        labels: { job: JOB, [L.requestModel]: t.calls.labels[L.requestModel]! },
        value: bucketQuantile(0.95, M.llmTimeToFirstChunk.boundaries, [{ ...t.calls, value: t.ttft! }]),
      })),
  });
  const tokenRecord = (traffic: LlmTraffic[]): RecordExpectation => ({
    record: `job_model_type:gen_ai_client_tokens:rate${W}`,
    samples: traffic
      .filter((t) => t.ttft !== undefined)
      .flatMap((t) =>
        (['input', 'output'] as const).map((type) => ({
          labels: { job: JOB, [L.requestModel]: t.calls.labels[L.requestModel]!, [L.tokenType]: type },
          value: rateOf(t.calls) * (type === 'input' ? 64 : 256),
        })),
      ),
  });
  const errorRatioRecord = (...providers: [provider: string, value: number][]): RecordExpectation => ({
    record: `job_provider:gen_ai_client_operation_errors:ratio_rate${W}`,
    samples: providers.map(([provider, value]) => ({ labels: { job: JOB, [L.providerName]: provider }, value })),
  });
  const stopping = (after: Phase): Calls => llmCalls(llmLabels('openai', 'gpt-4o-mini'), [{ seconds: LLM_STOP, perSecond: 1 }, after]);
  const idle = { seconds: LLM_DOWN_SECONDS - LLM_STOP, perSecond: 0 };
  const serviceDown: AlertExpectation = {
    alert: 'LlmServiceDown',
    holdsFrom: llmIdleFrom,
    fires: jobAlert(0),
    // Still firing near the end of the lookback; resolved once the lookback holds no call.
    firingAt: (i) => [llmLookbackEmptyFrom(i) - EVAL],
    silentAt: (i) => [LLM_STOP, llmLookbackEmptyFrom(i), LLM_DOWN_SECONDS],
  };
  return [
    {
      name: 'LLM: every call to openai fails (it succeeded before), and to anthropic (it never succeeded)',
      seconds: LLM_SECONDS,
      series: (i) => llmSeries(down, i),
      alerts: [
        {
          alert: 'LlmProviderDown',
          holdsFrom: fromSecondSample,
          fires: [
            { labels: { job: JOB, [L.providerName]: 'anthropic' }, value: 1 },
            { labels: { job: JOB, [L.providerName]: 'openai' }, value: 1 },
          ],
        },
        { alert: 'LlmServiceDown', silentAt: () => [RECORD_AT, LLM_SECONDS] },
      ],
      records: [errorRatioRecord(['anthropic', 1], ['openai', 1])],
    },
    {
      name: 'LLM: calls succeed, the first chunk comes after 2 s',
      seconds: LLM_SECONDS,
      series: (i) => llmSeries(slow, i),
      alerts: [{ alert: 'LlmTimeToFirstChunkP95High', holdsFrom: fromSecondSample, fires: [{ labels: { job: JOB, [L.requestModel]: 'gpt-4o' }, value: ttftRecord(slow).samples[0]!.value }] }],
      records: [ttftRecord(slow), tokenRecord(slow), errorRatioRecord(['openai', 0])],
    },
    {
      name: 'LLM: a third of the calls are refused, the first chunk comes after 62.5 ms',
      seconds: LLM_SECONDS,
      series: (i) => llmSeries(healthy, i),
      alerts: (['LlmProviderDown', 'LlmTimeToFirstChunkP95High', 'LlmServiceDown'] as const).map((alert) => ({ alert, silentAt: () => [RECORD_AT, LLM_SECONDS] })),
      records: [ttftRecord(healthy), tokenRecord(healthy), errorRatioRecord(['openai', 1 - 1 / 1.5])],
    },
    {
      name: 'LLM: calls stop after 30 m (the series stay, flat)',
      seconds: LLM_DOWN_SECONDS,
      series: (i) => llmSeries([{ calls: stopping(idle) }], i),
      alerts: [serviceDown],
      records: [],
    },
    {
      name: 'LLM: calls stop after 30 m and the series disappear (a restart with no call since)',
      seconds: LLM_DOWN_SECONDS,
      series: (i) => llmSeries([{ calls: stopping({ seconds: LLM_DOWN_SECONDS - LLM_STOP, gone: true }) }], i),
      alerts: [serviceDown],
      records: [],
    },
  ];
}

function cacheScenarios(): Scenario[] {
  const seconds = 1500;
  const cache = (name: string, hits: number, misses: number, i: number): InputSeries[] => {
    const labels = { ...TARGET, [L.cacheName]: name, [L.cacheOperation]: 'get' };
    return [
      ...(hits === 0 ? [] : [{ series: selector(M.cacheHits, labels), values: counterValues(steady(hits, seconds), i, 1) }]),
      { series: selector(M.cacheMisses, labels), values: counterValues(steady(misses, seconds), i, 1) },
    ];
  };
  const ratio = (name: string, value: number): Sample => ({ labels: { job: JOB, [L.cacheName]: name }, value });
  return [
    {
      name: 'Cache: users hits a quarter of the time, sessions never hit',
      seconds,
      series: (i) => [...cache('users', 0.25, 0.75, i), ...cache('sessions', 0, 1, i)],
      alerts: [{ alert: 'CacheHitRatioLow', holdsFrom: fromSecondSample, fires: [ratio('sessions', 0), ratio('users', 0.25)] }],
      records: [{ record: `job_cache:cache_hits:ratio_rate${W}`, samples: [ratio('sessions', 0), ratio('users', 0.25)] }],
    },
    {
      name: 'Cache: users hits three times in four',
      seconds,
      series: (i) => cache('users', 0.75, 0.25, i),
      alerts: [{ alert: 'CacheHitRatioLow', silentAt: () => [RECORD_AT, seconds] }],
      records: [{ record: `job_cache:cache_hits:ratio_rate${W}`, samples: [ratio('users', 0.75)] }],
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Seconds in a Prometheus duration (`30s`, `5m`, `1h`). */
export function durationSeconds(text: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (!match) throw new Error(`unsupported duration ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const labelsText = (name: string, labels: Labels) => `${name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

function ruleOf(name: AlertName): AlertRule {
  const rule = ALERT_RULES.find((r) => r.alert === name);
  if (rule === undefined) throw new Error(`no shipped alert ${name}`);
  return rule;
}

/** The evaluations at which an alert is checked, and what it must be doing then. */
export function alertChecks(expectation: AlertExpectation, interval: number): { at: number; firing: readonly Sample[] }[] {
  const checks: { at: number; firing: readonly Sample[] }[] = [];
  if (expectation.holdsFrom !== undefined) {
    const rule = ruleOf(expectation.alert);
    // Fires at the first evaluation at least `for:` after the condition started to hold.
    const firesAt = expectation.holdsFrom(interval) + Math.ceil(durationSeconds(rule.for) / EVAL) * EVAL;
    checks.push({ at: firesAt - EVAL, firing: [] }, { at: firesAt, firing: expectation.fires ?? [] });
    for (const at of expectation.firingAt?.(interval) ?? []) checks.push({ at, firing: expectation.fires ?? [] });
  }
  for (const at of expectation.silentAt?.(interval) ?? []) checks.push({ at, firing: [] });
  return checks.sort((a, b) => a.at - b.at);
}

/** `1h5m30s` style, as promtool prints times. */
function durationText(seconds: number): string {
  const parts = [[Math.floor(seconds / 3600), 'h'], [Math.floor(seconds / 60) % 60, 'm'], [seconds % 60, 's']] as const;
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('') || '0s';
}

function renderAlertCheck(alert: AlertName, at: number, firing: readonly Sample[]): string[] {
  const rule = ruleOf(alert);
  const lines = [`      - eval_time: ${durationText(at)}`, `        alertname: ${alert}`];
  if (firing.length === 0) return [...lines, '        exp_alerts: []'];
  lines.push('        exp_alerts:');
  for (const sample of firing) {
    const labels = { ...sample.labels, severity: rule.severity, ...rule.labels };
    lines.push('          - exp_labels:');
    for (const [k, v] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) lines.push(`              ${k}: ${quote(v)}`);
    lines.push(
      '            exp_annotations:',
      `              summary: ${quote(renderAnnotation(rule.summary, sample.labels, sample.value))}`,
      `              description: ${quote(renderAnnotation(rule.description, sample.labels, sample.value))}`,
    );
  }
  return lines;
}

function renderScenario(scenario: Scenario, interval: number): string[] {
  const lines = [`  - name: ${quote(scenario.name)}`, `    interval: ${interval}s`, '    input_series:'];
  for (const s of scenario.series(interval)) lines.push(`      - series: ${quote(s.series)}`, `        values: ${quote(s.values)}`);
  if (scenario.alerts.length > 0) {
    lines.push('    alert_rule_test:');
    for (const expectation of scenario.alerts) {
      for (const check of alertChecks(expectation, interval)) lines.push(...renderAlertCheck(expectation.alert, check.at, check.firing));
    }
  }
  if (scenario.records.length > 0) {
    lines.push('    promql_expr_test:');
    for (const { record, samples } of scenario.records) {
      lines.push(`      - expr: ${record}`, `        eval_time: ${durationText(RECORD_AT)}`, '        exp_samples:');
      for (const sample of samples) lines.push(`          - labels: ${quote(labelsText(record, sample.labels))}`, `            value: ${sample.value}`);
    }
  }
  return lines;
}

/** The promtool test file for one scrape interval (rules are evaluated at the same interval). */
export function renderRuleTests(interval: RuleTestInterval): string {
  const lines = [
    `# promkit: promtool unit tests of the shipped rules at a ${interval}s scrape interval, rules evaluated every ${EVAL}s,`,
    '# generated by scripts/prometheus-rule-tests.ts; do not edit by hand. Run: promtool test rules <this file>',
    '# Regenerate: npm run generate',
    'rule_files:',
    '  - ../recording-rules.yml',
    '  - ../alert-rules.yml',
    `evaluation_interval: ${EVAL}s`,
    // promtool otherwise evaluates the groups in random order; recording first makes each alert
    // see the recording rules of the same evaluation (a real server may lag by one interval).
    'group_eval_order:',
    '  - promkit.recording',
    '  - promkit.alerts',
    'tests:',
    ...SCENARIOS.flatMap((s) => renderScenario(s, interval)),
  ];
  return `${lines.join('\n')}\n`;
}

/** Which alerts have a firing and a silent case, and which recording rules a checked value. */
export function ruleTestCoverage(): { firing: Set<string>; silent: Set<string>; records: Set<string> } {
  const firing = new Set<string>();
  const silent = new Set<string>();
  const records = new Set<string>();
  for (const scenario of SCENARIOS) {
    for (const e of scenario.alerts) {
      if (e.holdsFrom !== undefined && (e.fires?.length ?? 0) > 0) firing.add(e.alert);
      if (e.holdsFrom === undefined && (e.silentAt?.(60).length ?? 0) > 0) silent.add(e.alert);
    }
    for (const r of scenario.records) if (r.samples.length > 0) records.add(r.record);
  }
  return { firing, silent, records };
}

export function writeRuleTests(): void {
  for (const interval of RULE_TEST_INTERVALS) writeFileSync(ruleTestPath(interval), renderRuleTests(interval));
}

/** Names the generator must cover, for the coverage test. */
export const SHIPPED_RULE_NAMES = { alerts: ALERT_RULES.map((r) => r.alert), records: RECORDING_RULES.map((r) => r.record) };
