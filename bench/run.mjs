// `npm run bench`: promkit against raw OpenTelemetry and prom-client, in one run, with ratios.
//   node bench/run.mjs [--quick] [--no-write] [--only=hot,labelled,scrape,loop,http,startup,install] [--loop-pairs=50000]
// --quick is a small-N smoke run (about 20 s, what the test command runs); the default full run
// takes about 4 minutes and writes bench/RESULTS.md. Build first (`npm run bench` does).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runHotPath } from './hot-path.mjs';
import { runHttpOverhead } from './http-overhead.mjs';
import { runInstallSize } from './install-size.mjs';
import { runLabelled } from './labelled.mjs';
import { runLoopDelay } from './loop-delay.mjs';
import { runScrape } from './scrape.mjs';
import { runStartup } from './startup.mjs';
import { Section, num, spreadOf } from './table.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = !argv.includes('--no-write') && !quick;
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (id) => only === undefined || only.includes(id);
const loopPairs = argv.find((a) => a.startsWith('--loop-pairs='))?.slice(13);

/** The CPU model as /proc/cpuinfo names it (falls back to os.cpus() off Linux). */
function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return '?';
  }
}

/** The commit measured, marked dirty when src/ or instrumentation/ differ from it (dist/ is built from the tree). */
function commit() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: new URL('..', import.meta.url), encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'instrumentation') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/ or instrumentation/' : ''}`;
  } catch {
    return 'unknown';
  }
}

const machine = {
  cores: cpus().length,
  model: cpuModel(),
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  date: new Date().toISOString(),
  commit: commit(),
  packages: ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus', 'prom-client', '@prometheus-io/client', 'autocannon'].map((p) => `${p} ${version(p)}`).join(', '),
};
const started = performance.now();
console.log(`promkit bench (${quick ? 'quick' : 'full'}): ${machine.cores} cores, ${machine.model}, Node ${machine.node}, ${machine.date}\n`);

/** A section's figures keyed by id, for the targets. */
const figures = {};
const sections = [];
function show(...list) {
  for (const s of list) {
    sections.push(s);
    console.log(s.toText());
  }
}

if (wanted('hot')) {
  const r = await runHotPath({ quick });
  figures.hot = r.figures;
  show(r.section);
}
if (wanted('labelled')) {
  const r = await runLabelled({ quick });
  figures.labelled = r.figures;
  show(r.section);
}
if (wanted('scrape')) {
  const r = await runScrape({ quick });
  figures.scrape = r.figures;
  show(...r.sections);
}
if (wanted('loop')) {
  const r = await runLoopDelay({ quick, ...(loopPairs !== undefined && { pairs: Number(loopPairs) }) });
  figures.loop = r.figures;
  show(r.section);
}
if (wanted('http')) {
  const r = await runHttpOverhead({ quick });
  figures.http = r.figures;
  show(...r.sections);
}
if (wanted('startup')) {
  const r = await runStartup({ quick });
  figures.startup = r.figures;
  show(r.section);
}
// Installs from the registry: skipped by --quick (the test command runs offline-friendly).
if (wanted('install') && !quick) {
  const r = await runInstallSize();
  figures.install = r.figures;
  show(r.section);
}

show(targets(figures));
const seconds = (performance.now() - started) / 1000;
console.log(`bench took ${seconds.toFixed(0)} s`);

if (write) {
  const md = [
    '# promkit bench results',
    '',
    `Written by \`npm run bench\` (${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s). Medians of rounds; ratios within this one run.`,
    '',
    `- machine: ${machine.cores} cores, ${machine.model}, ${machine.memory} RAM`,
    `- Node ${machine.node} (${process.platform}-${process.arch})`,
    `- date: ${machine.date}`,
    `- commit: ${machine.commit}`,
    `- packages: ${machine.packages}`,
    '',
    ...sections.map((s) => s.toMarkdown()),
  ].join('\n');
  writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
  console.log('wrote bench/RESULTS.md');
}

/** The targets, each met, missed or not measured in this run. */
function targets(f) {
  const section = new Section('targets (issue 13)');
  section.columns('target', 'measured (median, or min / median / max per round)', 'status');
  const check = (name, measured, ok) => section.row(name, measured, ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const spread = (s) => `${num(s.min)}x / ${num(s.median)}x / ${num(s.max)}x`;
  for (const connections of [10, 100]) {
    const http = f.http?.[connections];
    if (http) check(`register.js CPU per request <= 1.10x plain node:http, c=${connections}`, spread(http.register.ratio), http.register.ratio.median <= 1.1);
    else check(`register.js CPU per request, c=${connections}`, 'n/a', undefined);
  }
  if (f.startup) {
    check('start-up CPU <= 1.5x prom-client + collectDefaultMetrics', spread(f.startup.cpu), f.startup.cpu.median <= 1.5);
    check('start-up peak RSS <= 1.5x prom-client + collectDefaultMetrics', spread(f.startup.rss), f.startup.rss.median <= 1.5);
  } else {
    check('start-up', 'n/a', undefined);
  }
  if (f.install) {
    const promkit = f.install.rows[0];
    check('install: no package at two versions', promkit.duplicates.length === 0 ? 'none' : promkit.duplicates.join(', '), promkit.duplicates.length === 0);
  } else {
    check('install (full run only)', 'n/a', undefined);
  }
  for (const [id, how] of [
    ['promkit', 'identity'],
    ['promkitGzip', 'gzip, as Prometheus asks'],
  ]) {
    const loop = f.loop?.results[id];
    if (loop && f.loop.pairs === 10_000) check(`max loop delay < 50 ms, 10k pairs back to back (${how})`, `${num(loop.max)} ms`, loop.max < 50);
    else check(`max loop delay, 10k pairs (${how}; full run only)`, loop ? `${num(loop.max)} ms at ${f.loop.pairs} pairs` : 'n/a', undefined);
  }
  const loop = f.loop?.pairs === 10_000 ? f.loop.results : undefined;
  if (loop) {
    const gzip = loop.promkitGzip.scrapeMs / loop.pio.scrapeMs;
    const identity = loop.promkit.scrapeMs / loop.pio.scrapeMs;
    const body = loop.promkitGzip.body / loop.promkit.body;
    check('gzip scrape 10k over HTTP (median) <= 0.30x @prometheus-io/client uncompressed (issue 23)', `${num(gzip)}x`, gzip <= 0.3);
    check('identity scrape 10k over HTTP (median) <= 0.20x @prometheus-io/client (issue 23)', `${num(identity)}x`, identity <= 0.2);
    check('gzip body <= 1/10 of identity body (issue 23)', `${num(body)}x`, body <= 0.1);
  } else {
    check('scrape over HTTP vs @prometheus-io/client (10k pairs, full run only)', 'n/a', undefined);
  }
  const scrape10k = f.scrape?.sizes.find((s) => s.pairs === 10_000);
  if (scrape10k) {
    const vsProm = scrape10k.ms.total / scrape10k.ms.prom;
    check('scrape 10k: promkit total <= 0.5x prom-client (issue 5)', `${num(vsProm)}x`, vsProm <= 0.5);
    const gzipVsPio = scrape10k.ms.gzip / scrape10k.ms.pio;
    const totalVsPio = scrape10k.ms.total / scrape10k.ms.pio;
    check('scrape 10k in process: promkit gzip total <= 0.30x @prometheus-io/client uncompressed (issue 23)', `${num(gzipVsPio)}x`, gzipVsPio <= 0.3);
    check('scrape 10k in process: promkit total <= 0.20x @prometheus-io/client (issue 23)', `${num(totalVsPio)}x`, totalVsPio <= 0.2);
  } else {
    check('scrape 10k (full run only)', 'n/a', undefined);
  }
  if (f.hot) {
    const { counter } = f.hot;
    check('bound counter add <= 30 ns (issue 5)', `${num(counter.bound.ns)} ns`, counter.bound.ns <= 30);
  } else {
    check('hot path', 'n/a', undefined);
  }
  if (f.labelled) {
    const { counter, histogram } = f.labelled;
    const perRoundSpread = (a, b) => spread(spreadOf(a.samples.map((x, i) => x / b.samples[i])));
    const median = (a, b) => spreadOf(a.samples.map((x, i) => x / b.samples[i])).median;
    check('add(labels) <= 0.5x @prometheus-io/client inc(labels) (issue 23)', perRoundSpread(counter.facade, counter.pio), median(counter.facade, counter.pio) <= 0.5);
    check('record(labels) <= 0.5x @prometheus-io/client observe(labels) (issue 23)', perRoundSpread(histogram.facade, histogram.pio), median(histogram.facade, histogram.pio) <= 0.5);
    check('bound add <= 3 ns, no sampled span (issue 23)', `${num(counter.bound.ns)} ns`, counter.bound.ns <= 3);
    check('bound record <= 25 ns, no sampled span (issue 23)', `${num(histogram.bound.ns)} ns`, histogram.bound.ns <= 25);
  } else {
    check('labelled calls', 'n/a', undefined);
  }
  return section;
}
