// Scrape: the time to produce the full scrape body for N counter+histogram pairs (12 buckets,
// 3 labels), in this process: promkit (collect and serialize timed apart, and the gzip body its
// server sends when asked, as Prometheus always does), the upstream OTel PrometheusSerializer on
// the same collected data, and prom-client's and @prometheus-io/client's registry.metrics()
// (neither compresses); bytes per scrape; heap bytes per series from a child process run with
// --expose-gc.
import { execFile } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { serialize, serializeChunks, serializeInSlices } from '../dist/src/exposition/serializer.js';
import { GzipBody } from '../dist/src/server/body.js';
import { createMeterProvider } from '../dist/src/otel/provider.js';
import { createPrometheusReader } from '../dist/src/otel/reader.js';
import { populateOtel, populatePromClient } from './fixtures.mjs';
import { Section, bytes, elapsedMs, median } from './table.mjs';

const run = promisify(execFile);
const HEAP_CHILD = new URL('./heap-child.mjs', import.meta.url).pathname;

/** Samples (lines that are not comments or blank), to check that every body holds the same data. */
function sampleCount(text) {
  let count = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start && text.charCodeAt(start) !== 35 /* # */) count++;
    start = end + 1;
  }
  return count;
}

/** The gzip body promkit's server sends: slices rendered and fed to zlib as they come. */
async function gzipBody(resourceMetrics) {
  const gzip = new GzipBody();
  for await (const chunk of serializeChunks(resourceMetrics)) await gzip.write(chunk);
  gzip.end();
  return gzip.result;
}

async function timeAsync(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: elapsedMs(start), value };
}

/** One size: builds the three setups, then interleaves `rounds` timed scrapes of each. */
async function measureSize(pairs, rounds) {
  const reader = createPrometheusReader();
  const meterProvider = createMeterProvider({ readers: [reader] });
  populateOtel(meterProvider.getMeter('bench'), pairs);
  const upstream = new PrometheusSerializer();
  const registry = new client.Registry();
  populatePromClient(registry, pairs);
  const pioRegistry = new pio.Registry();
  populatePromClient(pioRegistry, pairs, pio);

  const t = { collect: [], serialize: [], total: [], upstream: [], upstreamTotal: [], prom: [], pio: [], sliced: [], gzip: [] };
  const body = {};
  for (let r = -1; r < rounds; r++) {
    // Round -1 warms up every path and is not counted.
    const collected = await timeAsync(() => reader.collect());
    const text = await timeAsync(() => serialize(collected.value.resourceMetrics));
    const again = await timeAsync(() => reader.collect());
    const up = await timeAsync(() => upstream.serialize(again.value.resourceMetrics));
    const prom = await timeAsync(() => registry.metrics());
    const pioText = await timeAsync(() => pioRegistry.metrics());
    const zipped = await timeAsync(async () => gzipBody((await reader.collect()).resourceMetrics));
    const sliced = await timeAsync(async () => serializeInSlices((await reader.collect()).resourceMetrics));
    if (r < 0) {
      body.promkit = text.value;
      body.upstream = up.value;
      body.prom = prom.value;
      body.pio = pioText.value;
      body.gzip = zipped.value;
      body.sliced = sliced.value;
      continue;
    }
    t.collect.push(collected.ms);
    t.serialize.push(text.ms);
    t.total.push(collected.ms + text.ms);
    t.upstream.push(up.ms);
    t.upstreamTotal.push(again.ms + up.ms);
    t.prom.push(prom.ms);
    t.pio.push(pioText.ms);
    t.gzip.push(zipped.ms);
    t.sliced.push(sliced.ms);
  }
  await meterProvider.shutdown();
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  return {
    pairs,
    ms: m,
    bytes: {
      promkit: Buffer.byteLength(body.promkit),
      upstream: Buffer.byteLength(body.upstream),
      prom: Buffer.byteLength(body.prom),
      pio: Buffer.byteLength(body.pio),
      gzip: body.gzip.length,
    },
    samples: { promkit: sampleCount(body.promkit), upstream: sampleCount(body.upstream), prom: sampleCount(body.prom), pio: sampleCount(body.pio) },
    slicedSame: body.sliced === body.promkit,
    gzipSame: gunzipSync(body.gzip).toString('utf8') === body.promkit,
  };
}

async function heap(impl, pairs) {
  const { stdout } = await run(process.execPath, ['--expose-gc', HEAP_CHILD, `--impl=${impl}`, `--pairs=${pairs}`], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Runs the scrape section; `heapPairs` is the size of the heap measurement. */
export async function runScrape({ quick }) {
  const sizes = quick ? [1000] : [1000, 10_000, 50_000];
  const rounds = 5;
  const heapPairs = quick ? 2000 : 10_000;
  const results = [];
  for (const pairs of sizes) results.push(await measureSize(pairs, rounds));

  const section = new Section(`scrape: full body for N counter+histogram pairs, 12 buckets, 3 labels (ms, median of ${rounds} rounds)`);
  section.columns(
    'pairs',
    'promkit collect',
    'promkit serialize',
    'promkit total',
    'sliced total (wall)',
    'promkit gzip total (wall)',
    'OTel serializer',
    'OTel total',
    'prom-client',
    '@prometheus-io/client',
    'promkit bytes',
    'promkit gzip bytes',
    'OTel bytes',
    'prom-client bytes',
  );
  for (const r of results) {
    section.row(
      r.pairs.toLocaleString('en-US'),
      r.ms.collect,
      r.ms.serialize,
      r.ms.total,
      r.ms.sliced,
      r.ms.gzip,
      r.ms.upstream,
      r.ms.upstreamTotal,
      r.ms.prom,
      r.ms.pio,
      bytes(r.bytes.promkit),
      bytes(r.bytes.gzip),
      bytes(r.bytes.upstream),
      bytes(r.bytes.prom),
    );
  }
  for (const r of results) {
    const n = r.pairs.toLocaleString('en-US');
    section
      .ratio(`promkit total/prom-client (${n} pairs)`, r.ms.total, r.ms.prom, r.pairs === 10_000 ? 'target <= 0.5x' : '')
      .ratio(`promkit total/@prometheus-io/client (${n} pairs)`, r.ms.total, r.ms.pio, r.pairs === 10_000 ? 'target <= 0.20x' : '')
      .ratio(`promkit gzip total/@prometheus-io/client uncompressed (${n} pairs)`, r.ms.gzip, r.ms.pio, r.pairs === 10_000 ? 'target <= 0.30x' : '')
      .ratio(`promkit gzip bytes/promkit bytes (${n} pairs)`, r.bytes.gzip, r.bytes.promkit, r.pairs === 10_000 ? 'target <= 0.10x' : '')
      .ratio(`OTel serializer/promkit serialize (${n} pairs, speed-up)`, r.ms.upstream, r.ms.serialize, r.pairs === 10_000 ? 'target >= 6x' : '')
      .ratio(`OTel total/promkit total (${n} pairs, speed-up)`, r.ms.upstreamTotal, r.ms.total);
  }
  for (const r of results) {
    const same = r.samples.promkit === r.samples.upstream && r.samples.promkit === r.samples.prom + 1 && r.samples.pio === r.samples.prom;
    section.note(
      `${r.pairs.toLocaleString('en-US')} pairs: samples promkit ${r.samples.promkit}, OTel ${r.samples.upstream}, prom-client ${r.samples.prom}, @prometheus-io/client ${r.samples.pio}` +
        ` (+1 target_info in the OTel bodies)${same ? '' : ' MISMATCH'}; serializeInSlices text ${r.slicedSame ? 'identical to' : 'DIFFERS from'} serialize;` +
        ` gzip body ${r.gzipSame ? 'decodes to' : 'DIFFERS from'} it`,
    );
  }

  const heaps = {};
  for (const impl of ['promkit', 'upstream', 'prom-client']) heaps[impl] = await heap(impl, heapPairs);
  const memory = new Section(
    `scrape memory: heap bytes per series, ${heapPairs.toLocaleString('en-US')} pairs = ${(heapPairs * 2).toLocaleString('en-US')} series (child with --expose-gc)`,
  );
  memory.columns('implementation', 'storage B/series', 'after 2 scrapes B/series');
  memory
    .row('OTel SDK + promkit serializer', heaps.promkit.storagePerSeries, heaps.promkit.afterScrapePerSeries)
    .row('OTel SDK + OTel serializer', heaps.upstream.storagePerSeries, heaps.upstream.afterScrapePerSeries)
    .row('prom-client', heaps['prom-client'].storagePerSeries, heaps['prom-client'].afterScrapePerSeries)
    .ratio('heap per series promkit/prom-client (after scrapes)', heaps.promkit.afterScrapePerSeries, heaps['prom-client'].afterScrapePerSeries)
    .note('"after scrapes" is storage plus what stays cached between scrapes (rendered label sets, headers).');
  return { sections: [section, memory], figures: { sizes: results, heaps, heapPairs } };
}
