// Soak: a label fed with ever-new values, as a user id would be. 2,000 new `user` values a
// second go to a facade counter, a facade histogram and a raw OpenTelemetry counter from
// `handle.meterProvider`; /metrics is scraped every 5 s over HTTP (uncompressed). Once a minute it
// prints the series of each metric, RSS, heap and the scrape time, so that a cap that does not
// hold shows as growth. Not part of the test suite: it runs for minutes.
//   node [--expose-gc] bench/soak.mjs [--minutes=8] [--ttl=<seconds>] [--rate=2000]
// Build first (`npm run build`).
import { request } from 'node:http';
import { start } from '../dist/bundle/index.js';
import { flag } from './fixtures.mjs';

const argv = process.argv.slice(2);
const minutes = Number(flag(argv, 'minutes', '8'));
const ttl = flag(argv, 'ttl', undefined);
const rate = Number(flag(argv, 'rate', '2000'));
const SCRAPE_EVERY_MS = 5_000;
const TICK_MS = 100;

const handle = await start({
  host: '127.0.0.1',
  port: 0,
  instrumentHttp: false,
  instrumentFetch: false,
  runtimeMetrics: 'off',
  quiet: true,
  ...(ttl !== undefined && { seriesTtl: Number(ttl) }),
});
const { metrics } = await import('../dist/bundle/index.js');
const counter = metrics.counter({ name: 'soak.requests', description: 'Requests by user.', labels: ['user'] });
const histogram = metrics.histogram({ name: 'soak.duration', description: 'Durations by user.', unit: 's', labels: ['user'], buckets: [0.01, 0.1, 1] });
const raw = handle.meterProvider.getMeter('soak').createCounter('soak.raw');

function scrape() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port: handle.port, path: '/metrics', headers: { 'accept-encoding': 'identity' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

function seriesOf(body, prefix) {
  let n = 0;
  let at = body.indexOf(`\n${prefix}`);
  while (at !== -1) {
    n++;
    at = body.indexOf(`\n${prefix}`, at + 1);
  }
  return n;
}

let next = 0;
let written = 0;
const perTick = Math.round((rate * TICK_MS) / 1000);
const writer = setInterval(() => {
  for (let i = 0; i < perTick; i++) {
    const user = `user-${next++}`;
    counter.add(1, { user });
    histogram.record(0.05, { user });
    raw.add(1, { user });
  }
  written += perTick;
}, TICK_MS);

const began = performance.now();
let minute = { scrapes: 0, ms: 0, maxMs: 0 };
let last;
const header = 'minute  written     requests  duration  raw     rss MB  heap MB  scrape ms (mean / max)  body KB';
console.log(`soak: ${rate} new user values/s, scrape every ${SCRAPE_EVERY_MS / 1000} s, ${minutes} min, seriesTtl ${ttl ?? 'off'}, Node ${process.versions.node}`);
console.log(header);
function report() {
  // With --expose-gc the heap is what is retained, not what is waiting for the collector.
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const row = [
    ((performance.now() - began) / 60_000).toFixed(1).padStart(6),
    written.toLocaleString('en-US').padStart(9),
    String(seriesOf(last, 'soak_requests_total{')).padStart(11),
    String(seriesOf(last, 'soak_duration_seconds_count{')).padStart(9),
    String(seriesOf(last, 'soak_raw_total{')).padStart(6),
    (memory.rss / 2 ** 20).toFixed(0).padStart(8),
    (memory.heapUsed / 2 ** 20).toFixed(0).padStart(8),
    `${(minute.ms / minute.scrapes).toFixed(0)} / ${minute.maxMs.toFixed(0)}`.padStart(23),
    (last.length / 1024).toFixed(0).padStart(8),
  ];
  console.log(row.join('  '));
  minute = { scrapes: 0, ms: 0, maxMs: 0 };
}

let reportAt = 60_000;
while (performance.now() - began < minutes * 60_000) {
  await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS));
  const { body, ms } = await scrape();
  last = body;
  minute.scrapes++;
  minute.ms += ms;
  minute.maxMs = Math.max(minute.maxMs, ms);
  if (performance.now() - began >= reportAt) {
    report();
    reportAt += 60_000;
  }
}
if (minute.scrapes > 0) report();
clearInterval(writer);
const dropped = /promkit_measurements_dropped_total\{promkit_metric="soak\.requests",promkit_reason="cardinality_limit"\} (\d+)/.exec(last ?? '');
console.log(`cardinality_limit drops counted for soak.requests: ${dropped?.[1] ?? 'none'}`);
await handle.shutdown();
