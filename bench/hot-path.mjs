// Hot path: ns per counter add and histogram record with 3 labels, in this process, through the
// promkit facade, a promkit bound handle, raw OpenTelemetry, prom-client, @prometheus-io/client
// and a plain Map as the floor. A fixed set of label combinations is rotated; every case is
// warmed up, then the rounds interleave the cases so that machine noise spreads evenly over them.
// Comparisons are like for like: a bound handle against a `labels()` child, a call with labels
// against a call with labels; each ratio is taken per round and shown as min / median / max.
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { createMetrics } from '../dist/src/facade/metrics.js';
import { CellProducer } from '../dist/src/record/producer.js';
import { BOUNDARIES, LABEL_KEYS, durations, labelSets, rawOtel } from './fixtures.mjs';
import { Section, elapsedNs, median } from './table.mjs';

/** Label combinations rotated through (a power of two, so the index is a mask, not a division). */
const COMBOS = 128;
const MASK = COMBOS - 1;
const VALUE_MASK = 1023;

/**
 * Builds the cases. Each `run` is its own function literal with the loop inside, so every case
 * gets its own inline caches and the loop costs the same in all of them.
 */
function buildCases() {
  const L = labelSets(COMBOS);
  const V = durations(VALUE_MASK + 1);

  const keys = L.map((l) => `${l.method}|${l.route}|${l.status}`);
  const counts = new Map();
  const sums = new Map();

  const otel = rawOtel();
  const oc = otel.meter.createCounter('bench.requests', { description: 'Bench requests.' });
  const oh = otel.meter.createHistogram('bench.duration', { description: 'Bench durations.', unit: 's', advice: { explicitBucketBoundaries: BOUNDARIES } });

  // As start() sets it up: bound histograms are cells reported through a producer on the reader.
  const producer = new CellProducer();
  const promkitOtel = rawOtel({ metricProducers: [producer] });
  const facade = createMetrics({ meterProvider: promkitOtel.meterProvider, producer });
  const fc = facade.counter({ name: 'bench.requests', description: 'Bench requests.', labels: LABEL_KEYS });
  const fh = facade.histogram({ name: 'bench.duration', description: 'Bench durations.', unit: 's', labels: LABEL_KEYS, buckets: BOUNDARIES });
  const BC = L.map((l) => fc.bind(l));
  const BH = L.map((l) => fh.bind(l));

  const registry = new client.Registry();
  const pc = new client.Counter({ name: 'bench_requests_total', help: 'Bench requests.', labelNames: LABEL_KEYS, registers: [registry] });
  const ph = new client.Histogram({ name: 'bench_duration_seconds', help: 'Bench durations.', labelNames: LABEL_KEYS, buckets: BOUNDARIES, registers: [registry] });
  const PC = L.map((l) => pc.labels(l));
  const PH = L.map((l) => ph.labels(l));

  const pioRegistry = new pio.Registry();
  const ic = new pio.Counter({ name: 'bench_requests_total', help: 'Bench requests.', labelNames: LABEL_KEYS, registers: [pioRegistry] });
  const ih = new pio.Histogram({ name: 'bench_duration_seconds', help: 'Bench durations.', labelNames: LABEL_KEYS, buckets: BOUNDARIES, registers: [pioRegistry] });
  const IC = L.map((l) => ic.labels(l));
  const IH = L.map((l) => ih.labels(l));

  const counter = [
    { id: 'map', name: 'Map increment (floor)', run: (n) => { for (let i = 0; i < n; i++) { const k = keys[i & MASK]; counts.set(k, (counts.get(k) ?? 0) + 1); } } },
    { id: 'otel', name: 'raw OTel counter.add', run: (n) => { for (let i = 0; i < n; i++) oc.add(1, L[i & MASK]); } },
    { id: 'facade', name: 'promkit facade add', run: (n) => { for (let i = 0; i < n; i++) fc.add(1, L[i & MASK]); } },
    { id: 'bound', name: 'promkit bound add', run: (n) => { for (let i = 0; i < n; i++) BC[i & MASK].add(1); } },
    { id: 'prom', name: 'prom-client inc(labels)', run: (n) => { for (let i = 0; i < n; i++) pc.inc(L[i & MASK], 1); } },
    { id: 'promChild', name: 'prom-client labels() child inc', run: (n) => { for (let i = 0; i < n; i++) PC[i & MASK].inc(1); } },
    { id: 'pio', name: '@prometheus-io/client inc(labels)', run: (n) => { for (let i = 0; i < n; i++) ic.inc(L[i & MASK], 1); } },
    { id: 'pioChild', name: '@prometheus-io/client labels() child inc', run: (n) => { for (let i = 0; i < n; i++) IC[i & MASK].inc(1); } },
  ];
  const histogram = [
    { id: 'map', name: 'Map sum (floor)', run: (n) => { for (let i = 0; i < n; i++) { const k = keys[i & MASK]; sums.set(k, (sums.get(k) ?? 0) + V[i & VALUE_MASK]); } } },
    { id: 'otel', name: 'raw OTel histogram.record', run: (n) => { for (let i = 0; i < n; i++) oh.record(V[i & VALUE_MASK], L[i & MASK]); } },
    { id: 'facade', name: 'promkit facade record', run: (n) => { for (let i = 0; i < n; i++) fh.record(V[i & VALUE_MASK], L[i & MASK]); } },
    { id: 'bound', name: 'promkit bound record', run: (n) => { for (let i = 0; i < n; i++) BH[i & MASK].record(V[i & VALUE_MASK]); } },
    { id: 'prom', name: 'prom-client observe(labels)', run: (n) => { for (let i = 0; i < n; i++) ph.observe(L[i & MASK], V[i & VALUE_MASK]); } },
    { id: 'promChild', name: 'prom-client labels() child observe', run: (n) => { for (let i = 0; i < n; i++) PH[i & MASK].observe(V[i & VALUE_MASK]); } },
    { id: 'pio', name: '@prometheus-io/client observe(labels)', run: (n) => { for (let i = 0; i < n; i++) ih.observe(L[i & MASK], V[i & VALUE_MASK]); } },
    { id: 'pioChild', name: '@prometheus-io/client labels() child observe', run: (n) => { for (let i = 0; i < n; i++) IH[i & MASK].observe(V[i & VALUE_MASK]); } },
  ];
  return {
    counter,
    histogram,
    /** Counts per scope of `bench.requests` on the facade's provider (facade and bound handles). */
    promkitCounts: () => countsByScope(promkitOtel.reader, 'bench.requests'),
    /** Values recorded into `bench.duration` (facade records through the SDK, bound ones into cells). */
    promkitHistogramCount: () => histogramCount(promkitOtel.reader, 'bench.duration'),
    shutdown: () => Promise.all([otel.meterProvider.shutdown(), promkitOtel.meterProvider.shutdown()]),
  };
}

async function countsByScope(reader, name) {
  const { resourceMetrics } = await reader.collect();
  const counts = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      counts[scope.scope.name] = (counts[scope.scope.name] ?? 0) + metric.dataPoints.reduce((sum, p) => sum + p.value, 0);
    }
  }
  return counts;
}

async function histogramCount(reader, name) {
  const { resourceMetrics } = await reader.collect();
  let count = 0;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) if (metric.descriptor.name === name) for (const point of metric.dataPoints) count += point.value.count;
  }
  return count;
}

/** Times every case for `rounds` rounds of `ops` operations; returns median ns/op by kind and id. */
export function measure(groups, { ops, rounds }) {
  const all = groups.flatMap(([kind, cases]) => cases.map((c) => ({ kind, ...c, samples: [] })));
  const warmup = Math.max(ops >> 1, 20_000);
  for (const c of all) c.run(warmup); // warm-up: tiers up every case
  for (let r = 0; r < rounds; r++) {
    for (const c of all) {
      const start = process.hrtime.bigint();
      c.run(ops);
      c.samples.push(elapsedNs(start) / ops);
    }
  }
  const result = {};
  const total = warmup + rounds * ops;
  for (const c of all) (result[c.kind] ??= {})[c.id] = { name: c.name, ns: median(c.samples), samples: c.samples, ops: total };
  return result;
}

const ROW_NAMES = {
  map: 'Map increment/sum (floor)',
  otel: 'raw OTel add/record',
  facade: 'promkit facade add/record',
  bound: 'promkit bound handle',
  prom: 'prom-client inc/observe(labels)',
  promChild: 'prom-client labels() child',
  pio: '@prometheus-io/client inc/observe(labels)',
  pioChild: '@prometheus-io/client labels() child',
};

/** The like-for-like pairs, each a per-round ratio: [label, kind, case, against, note]. */
const PAIRS = [
  ['bound counter add / prom-client labels() child inc', 'counter', 'bound', 'promChild', 'target ~0.1x'],
  ['bound histogram record / prom-client labels() child observe', 'histogram', 'bound', 'promChild', ''],
  ['bound counter add / @prometheus-io/client child inc', 'counter', 'bound', 'pioChild', ''],
  ['bound histogram record / @prometheus-io/client child observe', 'histogram', 'bound', 'pioChild', ''],
  ['facade add(labels) / prom-client inc(labels)', 'counter', 'facade', 'prom', ''],
  ['facade record(labels) / prom-client observe(labels)', 'histogram', 'facade', 'prom', ''],
  ['facade add(labels) / raw OTel add(labels)', 'counter', 'facade', 'otel', 'target <= 1.1x'],
  ['facade record(labels) / raw OTel record(labels)', 'histogram', 'facade', 'otel', 'target <= 1.1x'],
];

/** Ratios of `a` to `b` per round (the rounds interleave the cases, so a pair shares its noise). */
export function perRound(a, b) {
  return a.samples.map((sample, i) => sample / b.samples[i]);
}

/** Runs the hot-path section. */
export async function runHotPath({ quick }) {
  const ops = quick ? 50_000 : 300_000;
  const rounds = quick ? 5 : 9;
  const cases = buildCases();
  const result = measure(
    [
      ['counter', cases.counter],
      ['histogram', cases.histogram],
    ],
    { ops, rounds },
  );
  const counted = await cases.promkitCounts();
  const histogramCounted = await cases.promkitHistogramCount();
  await cases.shutdown();

  const section = new Section(`hot path: ns/op with 3 labels, ${COMBOS} label sets rotated (median of ${rounds} rounds x ${ops.toLocaleString('en-US')} ops)`);
  section.columns('case', 'counter ns/op', 'histogram ns/op', 'counter vs raw OTel', 'histogram vs raw OTel');
  const { counter, histogram } = result;
  for (const id of Object.keys(counter)) {
    section.row(
      ROW_NAMES[id],
      counter[id].ns,
      histogram[id].ns,
      `${(counter[id].ns / counter.otel.ns).toFixed(2)}x`,
      `${(histogram[id].ns / histogram.otel.ns).toFixed(2)}x`,
    );
  }
  for (const [label, kind, id, against, note] of PAIRS) section.spread(label, perRound(result[kind][id], result[kind][against]), note);
  // A check that the fast rows did the work: every add reached the exported sums (facade and bound handles share the cells).
  const total = counter.facade.ops;
  const seen = Object.values(counted).reduce((sum, n) => sum + n, 0);
  section.note(`check: bench.requests collected (facade and bound handles): ${seen.toLocaleString('en-US')}; expected ${(2 * total).toLocaleString('en-US')}${seen === 2 * total ? '' : ' MISMATCH'}`);
  section.note(
    `check: bench.duration values collected (facade and bound handles): ${histogramCounted.toLocaleString('en-US')}; expected ${(2 * total).toLocaleString('en-US')}${histogramCounted === 2 * total ? '' : ' MISMATCH'}`,
  );
  return { section, figures: { counter, histogram } };
}
