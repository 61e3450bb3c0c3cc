// Event-loop delay: each implementation serves N counter+histogram pairs from a child process
// (bench/scrape-target.mjs) that monitors its own loop with monitorEventLoopDelay({ resolution: 1 });
// this process scrapes it back to back (one request at a time, keep-alive) for a fixed time.
import { Agent, get } from 'node:http';
import { forkServer } from './child.mjs';
import { Section, bytes, median } from './table.mjs';

const TARGET = new URL('./scrape-target.mjs', import.meta.url).pathname;

/** One GET, body read in full; resolves with its length in bytes. */
export function scrape(url, agent, headers) {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      let length = 0;
      response.on('data', (chunk) => (length += chunk.length));
      response.on('end', () => (response.statusCode === 200 ? resolve(length) : reject(new Error(`${url}: HTTP ${response.statusCode}`))));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function measure(impl, pairs, seconds, headers = {}) {
  const server = forkServer(TARGET, { args: [`--impl=${impl}`, `--pairs=${pairs}`] });
  try {
    const url = await server.ready;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await scrape(url, agent, headers); // warm-up, outside the measurement
    await server.request('start');
    const latencies = [];
    let body = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      body = await scrape(url, agent, headers);
      latencies.push(performance.now() - t0);
    }
    const stats = await server.request('stop');
    agent.destroy();
    return { impl, ...stats, scrapes: latencies.length, scrapeMs: median(latencies), body };
  } finally {
    await server.stop();
  }
}

// Every client says which encoding it wants: Node's fetch would ask for gzip by itself.
const IDENTITY = { 'accept-encoding': 'identity' };
const GZIP = { 'accept-encoding': 'gzip' };

const SERVERS = {
  promkit: { name: 'promkit start() endpoint, identity', impl: 'promkit', headers: IDENTITY },
  promkitGzip: { name: 'promkit, Accept-Encoding: gzip', impl: 'promkit', headers: GZIP },
  upstream: { name: 'OTel PrometheusExporter server', impl: 'upstream', headers: IDENTITY },
  'prom-client': { name: 'prom-client + node:http handler', impl: 'prom-client', headers: IDENTITY },
  pio: { name: '@prometheus-io/client + node:http handler', impl: 'prometheus-io', headers: IDENTITY },
};

/** Runs the loop-delay section. */
export async function runLoopDelay({ quick, pairs: asked }) {
  const pairs = asked ?? (quick ? 2000 : 10_000);
  const seconds = quick ? 1.5 : 6;
  const results = {};
  // Prometheus asks for gzip; promkit honours it, the others ignore the header.
  for (const [id, s] of Object.entries(SERVERS)) results[id] = await measure(s.impl, pairs, seconds, s.headers);

  const section = new Section(
    `event-loop delay of the serving process while scraped back to back for ${seconds} s, ${pairs.toLocaleString('en-US')} pairs (ms)`,
  );
  section.columns('server', 'max delay', 'p99 delay', 'p50 delay', 'scrapes', 'median scrape', 'body', 'server CPU ms/scrape');
  for (const [id, r] of Object.entries(results)) {
    section.row(SERVERS[id].name, r.max, r.p99, r.p50, r.scrapes, r.scrapeMs, bytes(r.body), r.cpuMs / r.scrapes);
  }
  const { promkit, promkitGzip, upstream, pio } = results;
  const prom = results['prom-client'];
  const cpu = (r) => r.cpuMs / r.scrapes;
  section
    .ratio('median scrape promkit gzip/@prometheus-io/client', promkitGzip.scrapeMs, pio.scrapeMs, pairs === 10_000 ? 'target <= 0.30x' : '')
    .ratio('median scrape promkit identity/@prometheus-io/client', promkit.scrapeMs, pio.scrapeMs, pairs === 10_000 ? 'target <= 0.20x' : '')
    .ratio('server CPU per scrape promkit gzip/@prometheus-io/client', cpu(promkitGzip), cpu(pio))
    .ratio('server CPU per scrape promkit identity/@prometheus-io/client', cpu(promkit), cpu(pio))
    .ratio('median scrape promkit gzip/prom-client', promkitGzip.scrapeMs, prom.scrapeMs)
    .ratio('median scrape promkit identity/prom-client', promkit.scrapeMs, prom.scrapeMs)
    .ratio('gzip body/identity body', promkitGzip.body, promkit.body, 'target <= 0.10x')
    .ratio('p99 delay promkit/prom-client', promkit.p99, prom.p99)
    .ratio('p99 delay promkit gzip/prom-client', promkitGzip.p99, prom.p99)
    .ratio('p99 delay promkit/OTel exporter', promkit.p99, upstream.p99)
    .note(
      `promkit max loop delay ${promkit.max.toFixed(1)} ms identity, ${promkitGzip.max.toFixed(1)} ms gzip (target < 50 ms with 10,000 pairs); ` +
        `p99 ${promkit.p99.toFixed(1)} / ${promkitGzip.p99.toFixed(1)} ms; the body column is bytes on the wire; ` +
        'every client sends Accept-Encoding (identity, or gzip as Prometheus does)',
    );
  return { section, figures: { pairs, results } };
}
