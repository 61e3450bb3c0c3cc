// Labelled calls, the call people write most: promkit `add(1, labels)` / `record(v, labels)`,
// bound and unbound, beside prom-client `inc(labels)` / `observe(labels, v)`,
// @prometheus-io/client and raw OpenTelemetry, in this one process: 3 labels, 128 label sets
// rotated. promkit is set up as start() sets it up (cells reported through the producer on
// promkit's reader, via promkit/testing). Also: the catalogue's HTTP server record and LLM usage
// record, and the cost of an exemplar (a bound record inside a sampled span). Ratios are taken per
// round and shown as min / median / max; exact counts are checked after the run.
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { EXEMPLARS } from '../dist/src/record/exemplars.js';
import { createTestMetrics } from '../dist/src/testing/index.js';
import { BOUNDARIES, LABEL_KEYS, durations, labelSets, rawOtel } from './fixtures.mjs';
import { measure, perRound } from './hot-path.mjs';
import { Section } from './table.mjs';

const COMBOS = 128;
const MASK = COMBOS - 1;
const VALUE_MASK = 1023;

function buildCases() {
  const L = labelSets(COMBOS);
  const V = durations(VALUE_MASK + 1);

  const t = createTestMetrics();
  const fc = t.metrics.counter({ name: 'labelled.requests', description: 'Requests.', labels: LABEL_KEYS });
  const fh = t.metrics.histogram({ name: 'labelled.duration', description: 'Durations.', unit: 's', labels: LABEL_KEYS, buckets: BOUNDARIES });
  const BC = L.map((l) => fc.bind(l));
  const BH = L.map((l) => fh.bind(l));
  // Exemplar capture: the same bound handles on their own metrics, inside a sampled span.
  const ec = t.metrics.counter({ name: 'labelled.exemplar.requests', description: 'Requests.', labels: LABEL_KEYS });
  const eh = t.metrics.histogram({ name: 'labelled.exemplar.duration', description: 'Durations.', unit: 's', labels: LABEL_KEYS, buckets: BOUNDARIES });
  const EC = L.map((l) => ec.bind(l));
  const EH = L.map((l) => eh.bind(l));
  const sampled = trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }));
  const inSpan = (run) => (n) => context.with(sampled, () => run(n));

  const http = t.metrics.http;
  const REQ = L.map((l, i) => ({ method: l.method, route: l.route, statusCode: Number(l.status), durationS: V[i], scheme: 'http', protocolVersion: '1.1' }));
  const llm = t.metrics.llm;
  const LLM = L.map((l, i) => ({ provider: ['openai', 'anthropic'][i & 1], requestModel: `model-${i & 7}`, responseModel: `model-${i & 7}` }));
  const USAGE = { inputTokens: 120, outputTokens: 480 };

  const otel = rawOtel();
  const oc = otel.meter.createCounter('labelled.requests');
  const oh = otel.meter.createHistogram('labelled.duration', { unit: 's', advice: { explicitBucketBoundaries: BOUNDARIES } });

  const registry = new client.Registry();
  const pc = new client.Counter({ name: 'labelled_requests_total', help: 'Requests.', labelNames: LABEL_KEYS, registers: [registry] });
  const ph = new client.Histogram({ name: 'labelled_duration_seconds', help: 'Durations.', labelNames: LABEL_KEYS, buckets: BOUNDARIES, registers: [registry] });
  const PC = L.map((l) => pc.labels(l));
  const PH = L.map((l) => ph.labels(l));

  const pioRegistry = new pio.Registry();
  const ic = new pio.Counter({ name: 'labelled_requests_total', help: 'Requests.', labelNames: LABEL_KEYS, registers: [pioRegistry] });
  const ih = new pio.Histogram({ name: 'labelled_duration_seconds', help: 'Durations.', labelNames: LABEL_KEYS, buckets: BOUNDARIES, registers: [pioRegistry] });
  const IC = L.map((l) => ic.labels(l));
  const IH = L.map((l) => ih.labels(l));

  const counter = [
    { id: 'facade', name: 'promkit add(1, labels)', run: (n) => { for (let i = 0; i < n; i++) fc.add(1, L[i & MASK]); } },
    { id: 'bound', name: 'promkit bound add', run: (n) => { for (let i = 0; i < n; i++) BC[i & MASK].add(1); } },
    { id: 'exemplar', name: 'promkit bound add in a sampled span (exemplar kept)', run: inSpan((n) => { for (let i = 0; i < n; i++) EC[i & MASK].add(1); }) },
    { id: 'otel', name: 'raw OTel add(1, labels)', run: (n) => { for (let i = 0; i < n; i++) oc.add(1, L[i & MASK]); } },
    { id: 'prom', name: 'prom-client inc(labels)', run: (n) => { for (let i = 0; i < n; i++) pc.inc(L[i & MASK], 1); } },
    { id: 'promChild', name: 'prom-client labels() child inc', run: (n) => { for (let i = 0; i < n; i++) PC[i & MASK].inc(1); } },
    { id: 'pio', name: '@prometheus-io/client inc(labels)', run: (n) => { for (let i = 0; i < n; i++) ic.inc(L[i & MASK], 1); } },
    { id: 'pioChild', name: '@prometheus-io/client labels() child inc', run: (n) => { for (let i = 0; i < n; i++) IC[i & MASK].inc(1); } },
  ];
  const histogram = [
    { id: 'facade', name: 'promkit record(v, labels)', run: (n) => { for (let i = 0; i < n; i++) fh.record(V[i & VALUE_MASK], L[i & MASK]); } },
    { id: 'bound', name: 'promkit bound record', run: (n) => { for (let i = 0; i < n; i++) BH[i & MASK].record(V[i & VALUE_MASK]); } },
    { id: 'exemplar', name: 'promkit bound record in a sampled span (exemplar kept)', run: inSpan((n) => { for (let i = 0; i < n; i++) EH[i & MASK].record(V[i & VALUE_MASK]); }) },
    { id: 'otel', name: 'raw OTel record(v, labels)', run: (n) => { for (let i = 0; i < n; i++) oh.record(V[i & VALUE_MASK], L[i & MASK]); } },
    { id: 'prom', name: 'prom-client observe(labels, v)', run: (n) => { for (let i = 0; i < n; i++) ph.observe(L[i & MASK], V[i & VALUE_MASK]); } },
    { id: 'promChild', name: 'prom-client labels() child observe', run: (n) => { for (let i = 0; i < n; i++) PH[i & MASK].observe(V[i & VALUE_MASK]); } },
    { id: 'pio', name: '@prometheus-io/client observe(labels, v)', run: (n) => { for (let i = 0; i < n; i++) ih.observe(L[i & MASK], V[i & VALUE_MASK]); } },
    { id: 'pioChild', name: '@prometheus-io/client labels() child observe', run: (n) => { for (let i = 0; i < n; i++) IH[i & MASK].observe(V[i & VALUE_MASK]); } },
    { id: 'http', name: 'promkit metrics.http.recordServerRequest', run: (n) => { for (let i = 0; i < n; i++) http.recordServerRequest(REQ[i & MASK]); } },
    { id: 'llm', name: 'promkit metrics.llm.recordUsage (2 records)', run: (n) => { for (let i = 0; i < n; i++) llm.recordUsage(LLM[i & MASK], USAGE); } },
  ];
  return { counter, histogram, t, otel, L };
}

async function sum(t, name, pick) {
  const collected = await t.collect();
  let total = 0;
  for (const scope of collected.scopeMetrics) for (const metric of scope.metrics) if (metric.descriptor.name === name) for (const p of metric.dataPoints) total += pick(p.value);
  return total;
}

/** The like-for-like pairs, each a per-round ratio: [label, kind, case, against, note]. */
const PAIRS = [
  ['add(labels) / @prometheus-io/client inc(labels)', 'counter', 'facade', 'pio', 'goal <= 0.5x'],
  ['record(labels) / @prometheus-io/client observe(labels)', 'histogram', 'facade', 'pio', 'goal <= 0.5x'],
  ['add(labels) / prom-client inc(labels)', 'counter', 'facade', 'prom', ''],
  ['record(labels) / prom-client observe(labels)', 'histogram', 'facade', 'prom', ''],
  ['add(labels) / raw OTel add(labels)', 'counter', 'facade', 'otel', ''],
  ['record(labels) / raw OTel record(labels)', 'histogram', 'facade', 'otel', ''],
  ['bound add / @prometheus-io/client child inc', 'counter', 'bound', 'pioChild', ''],
  ['bound record / @prometheus-io/client child observe', 'histogram', 'bound', 'pioChild', ''],
  ['http.recordServerRequest / @prometheus-io/client observe(labels)', 'histogram', 'http', 'pio', 'one request: duration only here'],
  ['llm.recordUsage / @prometheus-io/client observe(labels)', 'histogram', 'llm', 'pio', 'two records'],
];

/** Runs the labelled-calls section; `figures` feeds the targets. */
export async function runLabelled({ quick }) {
  const ops = quick ? 50_000 : 300_000;
  const rounds = quick ? 5 : 9;
  const cases = buildCases();
  const isExemplar = (c) => c.id === 'exemplar';
  const result = measure(
    [
      ['counter', cases.counter.filter((c) => !isExemplar(c))],
      ['histogram', cases.histogram.filter((c) => !isExemplar(c))],
    ],
    { ops, rounds },
  );
  // Measured last, with a context manager registered (nothing could be active without one): the
  // rows above measure the path without it, and registering then removing it mid-run would
  // leave the API's global object slower to read than it is in an app.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Records look for a tracing setup once per collection while no OpenTelemetry global existed (start() always makes one).
  await cases.t.collect();
  const spans = measure(
    [
      ['counter', cases.counter.filter(isExemplar)],
      ['histogram', cases.histogram.filter(isExemplar)],
    ],
    { ops, rounds },
  );
  context.disable();
  for (const kind of ['counter', 'histogram']) result[kind].exemplar = spans[kind].exemplar;
  const section = new Section(`labelled calls: ns/op with 3 labels, ${COMBOS} label sets rotated (median of ${rounds} rounds x ${ops.toLocaleString('en-US')} ops)`);
  section.columns('case', 'ns/op', 'vs @prometheus-io/client inc/observe(labels)');
  for (const kind of ['counter', 'histogram']) {
    const rows = result[kind];
    for (const id of Object.keys(rows)) section.row(rows[id].name, rows[id].ns, `${(rows[id].ns / rows.pio.ns).toFixed(2)}x`);
  }
  for (const [label, kind, id, against, note] of PAIRS) section.spread(label, perRound(result[kind][id], result[kind][against]), note);

  // Every call reached the exported data, exactly.
  const { t } = cases;
  const n = result.counter.facade.ops;
  const checks = [
    ['labelled.requests (add(labels) + bound add)', await sum(t, 'labelled.requests', (v) => v), 2 * n],
    ['labelled.duration count (record(labels) + bound record)', await sum(t, 'labelled.duration', (v) => v.count), 2 * n],
    ['labelled.exemplar.requests', await sum(t, 'labelled.exemplar.requests', (v) => v), n],
    ['http.server.request.duration count', await sum(t, 'http.server.request.duration', (v) => v.count), n],
    ['gen_ai.client.token.usage count', await sum(t, 'gen_ai.client.token.usage', (v) => v.count), 2 * n],
  ];
  const openMetrics = await t.scrapeText({ format: 'openmetrics', exemplars: EXEMPLARS });
  const exemplarLines = openMetrics.split('\n').filter((line) => line.startsWith('labelled_exemplar_') && line.includes('# {trace_id="0af7651916cd43dd8448eb211c80319c"')).length;
  checks.push(['series of the sampled-span rows with an exemplar (counter, and histogram buckets)', exemplarLines > 0 ? 'some' : 'none', 'some']);
  for (const [what, seen, expected] of checks) {
    section.note(`check: ${what}: ${seen.toLocaleString('en-US')}; expected ${expected.toLocaleString('en-US')}${seen === expected ? '' : ' MISMATCH'}`);
  }
  await t.shutdown();
  await cases.otel.meterProvider.shutdown();
  return { section, figures: result };
}
