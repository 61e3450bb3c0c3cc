// Child process of the scrape section (run with --expose-gc): heap bytes held per series by one
// implementation, after populating it and again after one scrape (storage plus whatever the
// serializer caches between scrapes). Prints one JSON line on stdout.
//   node --expose-gc bench/heap-child.mjs --impl=promkit|upstream|prom-client --pairs=10000
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import client from 'prom-client';
import { serialize } from '../dist/src/exposition/serializer.js';
import { createMeterProvider } from '../dist/src/otel/provider.js';
import { createPrometheusReader } from '../dist/src/otel/reader.js';
import { flag, populateOtel, populatePromClient, rawOtel } from './fixtures.mjs';

if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

const impl = flag(process.argv, 'impl', 'promkit');
const pairs = Number(flag(process.argv, 'pairs', '10000'));

function settledHeap() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

/** Keeps everything reachable until the last measurement. */
const keep = [];
const before = settledHeap();
let scrape;
if (impl === 'prom-client') {
  const registry = new client.Registry();
  populatePromClient(registry, pairs);
  keep.push(registry);
  scrape = () => registry.metrics();
} else if (impl === 'promkit') {
  const reader = createPrometheusReader();
  const meterProvider = createMeterProvider({ readers: [reader] });
  populateOtel(meterProvider.getMeter('bench'), pairs);
  keep.push(reader, meterProvider);
  scrape = async () => serialize((await reader.collect()).resourceMetrics);
} else if (impl === 'upstream') {
  const otel = rawOtel();
  populateOtel(otel.meter, pairs);
  const serializer = new PrometheusSerializer();
  keep.push(otel, serializer);
  scrape = async () => serializer.serialize((await otel.reader.collect()).resourceMetrics);
} else {
  throw new Error(`unknown --impl=${impl}`);
}
const populated = settledHeap();
const length = await scrapeTwice();
// Let the frames that held the bodies go before measuring (a suspended async frame can keep one).
await new Promise((resolve) => setImmediate(resolve));
const scraped = settledHeap();

/** Two scrapes, returning only the body length, so no body outlives this function. */
async function scrapeTwice() {
  let total = 0;
  for (let i = 0; i < 2; i++) total += (await scrape()).length;
  return total;
}

const series = pairs * 2;
process.stdout.write(
  `${JSON.stringify({
    impl,
    pairs,
    storagePerSeries: (populated - before) / series,
    afterScrapePerSeries: (scraped - before) / series,
    textLength: length / 2,
    kept: keep.length,
  })}\n`,
);
