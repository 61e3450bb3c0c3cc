// promkit/prom-client against prom-client and @prometheus-io/client, in one process: counter
// inc and histogram observe with 3 labels (128 label sets rotated), without labels, and through
// a labels() child. Every case is warmed up, then the rounds interleave the cases so machine
// noise spreads evenly; each ratio is taken per round and shown as min / median / max. The layer
// must not be slower than prom-client on any line. Counts are checked after the run.
//   node bench/prom-client-layer.mjs [--quick]      (after npm run build)
import pio from '@prometheus-io/client';
import client from 'prom-client';
import * as layer from '../dist/bundle/prom-client.js';
import { BOUNDARIES, LABEL_KEYS, durations, labelSets } from './fixtures.mjs';
import { Section, elapsedNs, median } from './table.mjs';

const COMBOS = 128;
const MASK = COMBOS - 1;
const VALUE_MASK = 1023;
const LIBRARIES = [
  ['layer', 'promkit/prom-client', layer],
  ['prom', 'prom-client', client],
  ['pio', '@prometheus-io/client', pio],
];

/** One set of metrics per library and the cases that drive them; each `run` is its own literal, so each gets its own inline caches. */
function buildCases() {
  const L = labelSets(COMBOS);
  const V = durations(VALUE_MASK + 1);
  const cases = [];
  const totals = [];
  for (const [id, name, lib] of LIBRARIES) {
    const registry = new lib.Registry();
    const c = new lib.Counter({ name: 'bench_requests_total', help: 'Requests.', labelNames: LABEL_KEYS, registers: [registry] });
    const c0 = new lib.Counter({ name: 'bench_plain_total', help: 'Plain.', registers: [registry] });
    const h = new lib.Histogram({ name: 'bench_duration_seconds', help: 'Durations.', labelNames: LABEL_KEYS, buckets: BOUNDARIES, registers: [registry] });
    const h0 = new lib.Histogram({ name: 'bench_plain_seconds', help: 'Plain.', buckets: BOUNDARIES, registers: [registry] });
    const C = L.map((l) => c.labels(l));
    const H = L.map((l) => h.labels(l));
    cases.push(
      { line: 'counter inc(labels)', id, name, run: (n) => { for (let i = 0; i < n; i++) c.inc(L[i & MASK], 1); } },
      { line: 'counter inc() without labels', id, name, run: (n) => { for (let i = 0; i < n; i++) c0.inc(); } },
      { line: 'counter labels() child inc', id, name, run: (n) => { for (let i = 0; i < n; i++) C[i & MASK].inc(1); } },
      { line: 'histogram observe(labels, v)', id, name, run: (n) => { for (let i = 0; i < n; i++) h.observe(L[i & MASK], V[i & VALUE_MASK]); } },
      { line: 'histogram observe(v) without labels', id, name, run: (n) => { for (let i = 0; i < n; i++) h0.observe(V[i & VALUE_MASK]); } },
      { line: 'histogram labels() child observe', id, name, run: (n) => { for (let i = 0; i < n; i++) H[i & MASK].observe(V[i & VALUE_MASK]); } },
    );
    totals.push({ id, registry });
  }
  return { cases, totals };
}

/** The counts each library holds after the run: counter totals and histogram counts, from its own JSON. */
async function countsOf(registry) {
  const counts = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    counts[metric.name] = metric.values.filter((v) => metric.type === 'counter' || v.metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
  }
  return counts;
}

export async function runPromClientLayer({ quick }) {
  const ops = quick ? 50_000 : 300_000;
  const rounds = quick ? 5 : 9;
  const { cases, totals } = buildCases();
  const warmup = Math.max(ops >> 1, 20_000);
  for (const c of cases) {
    c.samples = [];
    c.run(warmup);
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const start = process.hrtime.bigint();
      c.run(ops);
      c.samples.push(elapsedNs(start) / ops);
    }
  }
  const section = new Section(`promkit/prom-client: ns/op, 3 labels, ${COMBOS} label sets rotated (median of ${rounds} rounds x ${ops.toLocaleString('en-US')} ops)`);
  section.columns('call', ...LIBRARIES.map(([, name]) => name));
  const lines = [...new Set(cases.map((c) => c.line))];
  const find = (line, id) => cases.find((c) => c.line === line && c.id === id);
  for (const line of lines) section.row(line, ...LIBRARIES.map(([id]) => median(find(line, id).samples)));
  for (const line of lines) {
    const ours = find(line, 'layer').samples;
    for (const [id, name] of LIBRARIES.slice(1)) section.spread(`promkit/prom-client / ${name} ${line}`, ours.map((s, i) => s / find(line, id).samples[i]), id === 'prom' ? 'goal <= 1x' : '');
  }
  // Every library must have done every operation: a labelled metric takes two cases (direct and child), a plain one one.
  const perCase = warmup + rounds * ops;
  const expected = { bench_requests_total: 2 * perCase, bench_plain_total: perCase, bench_duration_seconds: 2 * perCase, bench_plain_seconds: perCase };
  for (const { id, registry } of totals) {
    const counts = await countsOf(registry);
    const ok = Object.entries(expected).every(([name, n]) => counts[name] === n);
    section.note(`check: ${id} totals ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}${ok ? ' (as expected)' : ' MISMATCH'}`);
  }
  return { section };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { section } = await runPromClientLayer({ quick: process.argv.includes('--quick') });
  process.stdout.write(section.toText());
}
