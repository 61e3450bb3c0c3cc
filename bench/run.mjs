// `npm run bench`: promkit against raw OpenTelemetry and prom-client, in one run, with ratios.
//   node bench/run.mjs [--quick] [--no-write] [--only=hot,scrape,loop,http]
// --quick is a small-N smoke run (about 20 s, what the test command runs); the default full run
// takes about 4 minutes and writes bench/RESULTS.md. Build first (`npm run bench` does).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runHotPath } from './hot-path.mjs';
import { runHttpOverhead } from './http-overhead.mjs';
import { runLoopDelay } from './loop-delay.mjs';
import { runScrape } from './scrape.mjs';
import { Section, num } from './table.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = !argv.includes('--no-write') && !quick;
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (id) => only === undefined || only.includes(id);

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
  packages: ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus', 'prom-client', 'autocannon'].map((p) => `${p} ${version(p)}`).join(', '),
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
if (wanted('scrape')) {
  const r = await runScrape({ quick });
  figures.scrape = r.figures;
  show(...r.sections);
}
if (wanted('loop')) {
  const r = await runLoopDelay({ quick });
  figures.loop = r.figures;
  show(r.section);
}
if (wanted('http')) {
  const r = await runHttpOverhead({ quick });
  figures.http = r.figures;
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
  const section = new Section('targets (issue 5)');
  section.columns('target', 'measured', 'status');
  const check = (name, measured, ok) => section.row(name, measured, ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const scrape10k = f.scrape?.sizes.find((s) => s.pairs === 10_000);
  if (scrape10k) {
    const vsProm = scrape10k.ms.total / scrape10k.ms.prom;
    const speedup = scrape10k.ms.upstream / scrape10k.ms.serialize;
    check('scrape 10k: promkit total <= 0.5x prom-client', `${num(vsProm)}x`, vsProm <= 0.5);
    check('scrape 10k: >= 6x faster than OTel serializer', `${num(speedup)}x`, speedup >= 6);
  } else {
    check('scrape 10k (full run only)', 'n/a', undefined);
  }
  for (const [id, how] of [
    ['promkit', 'identity'],
    ['promkitGzip', 'gzip, as Prometheus asks'],
  ]) {
    const loop = f.loop?.results[id];
    if (loop && f.loop.pairs === 10_000) check(`p99 loop delay < 20 ms, 10k pairs back to back (${how})`, `${num(loop.p99)} ms`, loop.p99 < 20);
    else check(`p99 loop delay, 10k pairs (${how}; full run only)`, loop ? `${num(loop.p99)} ms at ${f.loop.pairs} pairs` : 'n/a', undefined);
  }
  if (f.hot) {
    const { counter, histogram } = f.hot;
    const add = counter.facade.ns / counter.otel.ns;
    const record = histogram.facade.ns / histogram.otel.ns;
    check('facade add <= 1.1x raw OTel', `${num(add)}x`, add <= 1.1);
    check('facade record <= 1.1x raw OTel', `${num(record)}x`, record <= 1.1);
    check('bound counter add <= 30 ns', `${num(counter.bound.ns)} ns`, counter.bound.ns <= 30);
  } else {
    check('hot path', 'n/a', undefined);
  }
  if (f.http) {
    const cpu = f.http.register.cpuPerRequest / f.http.plain.cpuPerRequest;
    check('register.js CPU per request <= 1.25x plain', `${num(cpu)}x`, cpu <= 1.25);
  } else {
    check('HTTP overhead', 'n/a', undefined);
  }
  return section;
}
