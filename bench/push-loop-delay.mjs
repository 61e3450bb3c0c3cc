// Event-loop delay while pushing by remote write, beside the scrape of the same series: a child
// (bench/push-target.mjs) holds N counter series and monitors its own loop; this process runs the
// remote-write receiver (it reads each body and answers 204) and asks for pushes, or scrapes, one
// after another for a fixed time. The worst loop gap of a push should be no worse than a scrape's.
//   node bench/push-loop-delay.mjs [--series=20000,100000] [--seconds=6]
// Build first (npm run build).
import { createServer } from 'node:http';
import { Agent } from 'node:http';
import { forkServer } from './child.mjs';
import { scrape } from './loop-delay.mjs';
import { Section, bytes, median } from './table.mjs';
import { flag } from './fixtures.mjs';

const TARGET = new URL('./push-target.mjs', import.meta.url).pathname;

/** A remote-write receiver that reads every body and answers 204, counting requests and bytes. */
async function receiver() {
  const seen = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk) => (seen.bytes += chunk.length));
    request.on('end', () => {
      seen.requests++;
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/api/v1/write`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** One child doing `operation` ('push', 'push-unsliced' or 'scrape') back to back for `seconds`. */
async function measure(operation, series, seconds, store) {
  const mode = operation === 'push-unsliced' ? 'unsliced' : 'sliced';
  const child = forkServer(TARGET, { args: [`--series=${series}`, `--receiver=${store.url}`, `--mode=${mode}`] });
  try {
    const url = await child.ready;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const once = operation === 'scrape' ? () => scrape(url, agent, {}) : () => child.request('push');
    await once(); // warm-up, outside the measurement
    const before = { ...store.seen };
    await child.request('start');
    const times = [];
    let body = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      const result = await once();
      if (typeof result === 'number') body = result;
      times.push(performance.now() - t0);
    }
    const stats = await child.request('stop');
    agent.destroy();
    const requests = store.seen.requests - before.requests;
    if (operation !== 'scrape' && requests > 0) body = (store.seen.bytes - before.bytes) / requests;
    return { ...stats, operations: times.length, operationMs: median(times), body };
  } finally {
    await child.stop();
  }
}

const NAMES = { scrape: 'scrape (text)', push: 'remote-write push (sliced)', 'push-unsliced': 'remote-write push, one synchronous encode + snappy' };

/** Runs the section for each series count. */
export async function runPushLoopDelay({ seriesCounts = [20_000, 100_000], seconds = 6 } = {}) {
  const store = await receiver();
  const section = new Section(`event-loop delay of the pushing process, operations back to back for ${seconds} s each (ms)`);
  section.columns('series', 'operation', 'max delay', 'p99 delay', 'p50 delay', 'operations', 'median operation', 'body', 'CPU ms/operation');
  const figures = {};
  try {
    for (const series of seriesCounts) {
      for (const operation of Object.keys(NAMES)) {
        const r = await measure(operation, series, seconds, store);
        figures[`${operation}@${series}`] = r;
        section.row(series.toLocaleString('en-US'), NAMES[operation], r.max, r.p99, r.p50, r.operations, r.operationMs, bytes(r.body), r.cpuMs / r.operations);
      }
      const push = figures[`push@${series}`];
      const scraped = figures[`scrape@${series}`];
      section.ratio(`max delay push/scrape at ${series} series`, push.max, scraped.max);
    }
  } finally {
    await store.close();
  }
  section.note('push bodies are snappy-compressed protobuf as received; the scrape body is uncompressed text');
  return { section, figures };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seriesCounts = flag(process.argv, 'series', '20000,100000').split(',').map(Number);
  const seconds = Number(flag(process.argv, 'seconds', '6'));
  const { section } = await runPushLoopDelay({ seriesCounts, seconds });
  process.stdout.write(section.toText());
}
