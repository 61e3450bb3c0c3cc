// `npm run demo`: starts the fake LLM and the flaky pricing upstream in this process, the demo
// service in a child process with promkit's preload (`node --import ./register.js`), drives a
// fixed mix of traffic at it, and prints where to scrape plus a short live summary.
//
//   npm run demo                          service on :3000, metrics on :9464, until Ctrl-C
//   npm run demo -- --duration 60         stop after 60 s
//   PORT=0 OTEL_EXPORTER_PROMETHEUS_PORT=0 npm run demo     any free ports
//
// Options: --duration <seconds>, --json (one JSON line per second instead of the summary; the
// e2e test reads it, and may write `drain` on stdin: the traffic stops, every request in flight
// finishes, one `drained` line gives the final totals, and the service keeps serving its
// metrics until the demo is stopped). Environment: PORT (service, default 3000), EVENTS_PORT
// (its HTTP/2 events server, default PORT + 1), OTEL_EXPORTER_PROMETHEUS_PORT and the other
// promkit variables (passed to the service), DEMO_UPSTREAM_SCHEDULE (pricing upstream up/down
// phases in seconds, default "up:20,down:12", repeated).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLlmServer } from './llm-server.mjs';
import { createStats, runTraffic, snapshot, windowDelta } from './traffic.mjs';
import { DEFAULT_SCHEDULE, startUpstream } from './upstream.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: options } = parseArgs({
  options: { duration: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const durationS = options.duration === undefined ? Infinity : Number(options.duration);
if (!(durationS > 0)) fail(`--duration must be a positive number of seconds, not "${options.duration}"`);
const json = options.json;

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

const llm = await startLlmServer();
const upstream = await startUpstream({ schedule: process.env.DEMO_UPSTREAM_SCHEDULE ?? DEFAULT_SCHEDULE });

const service = spawn(process.execPath, ['--import', './register.js', 'examples/demo/service.mjs'], {
  cwd: ROOT,
  env: {
    ...process.env,
    PORT: process.env.PORT ?? '3000',
    OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'promkit-demo',
    OTEL_RESOURCE_ATTRIBUTES: process.env.OTEL_RESOURCE_ATTRIBUTES ?? 'service.version=0.1.0,deployment.environment.name=demo',
    LLM_BASE_URL: llm.url,
    UPSTREAM_URL: upstream.url,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});

let stopping = false;
const ready = new Promise((resolve, reject) => {
  let stdout = '';
  let stderr = '';
  let scrapeUrl;
  let servicePort;
  let eventsPort;
  const check = () => {
    const notStarted = /promkit: metrics not started: (.*)/.exec(stderr);
    if (notStarted) reject(new Error(`promkit did not start in the service: ${notStarted[1]}`));
    scrapeUrl ??= /serving metrics at (\S+)/.exec(stderr)?.[1];
    servicePort ??= /^listening (\d+)$/m.exec(stdout)?.[1];
    eventsPort ??= /^listening http2 (\d+)$/m.exec(stdout)?.[1];
    if (scrapeUrl !== undefined && servicePort !== undefined && eventsPort !== undefined) {
      resolve({ scrapeUrl, serviceUrl: `http://127.0.0.1:${servicePort}`, eventsUrl: `http://127.0.0.1:${eventsPort}` });
    }
  };
  service.stdout.on('data', (chunk) => {
    stdout += chunk;
    check();
  });
  service.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 65536) stderr = stderr.slice(-32768);
    if (!json) process.stderr.write(`[service] ${chunk}`);
    check();
  });
  service.once('exit', (code, signal) => {
    if (!stopping) reject(new Error(`the service exited (${signal ?? code}) before it was ready:\n${stderr}`));
  });
});

let started;
try {
  started = await ready;
} catch (error) {
  await shutdown();
  fail(error.message);
}
service.once('exit', (code, signal) => {
  if (stopping) return;
  console.error(`demo: the service exited unexpectedly (${signal ?? code})`);
  void shutdown().then(() => process.exit(1));
});

const { scrapeUrl, serviceUrl, eventsUrl } = started;
if (json) {
  console.log(JSON.stringify({ event: 'ready', serviceUrl, eventsUrl, scrapeUrl, llmUrl: llm.url, upstreamUrl: upstream.url }));
} else {
  console.log(`
promkit demo
  service  ${serviceUrl}   GET /users/:id /orders/:id /reports/:id /quotes/:id, POST /chat /orders
  events   ${eventsUrl}   POST /events over HTTP/2 (h2c), recorded through the manual API
  metrics  ${scrapeUrl}   <- scrape this (examples/prometheus/prometheus.yml does)
  live UI  ${scrapeUrl}/ui   <- open in a browser: the same metrics as charts, no Grafana needed
  fake LLM ${llm.url}, pricing upstream ${upstream.url} (schedule ${process.env.DEMO_UPSTREAM_SCHEDULE ?? DEFAULT_SCHEDULE})
  ${Number.isFinite(durationS) ? `running for ${durationS} s` : 'Ctrl-C to stop'}
`);
}

upstream.startSchedule();
const controller = new AbortController();
const drain = new AbortController();
const stats = createStats();
const traffic = runTraffic({ baseUrl: serviceUrl, eventsUrl, signal: controller.signal, stop: drain.signal, stats });
if (json) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'drain' || drain.signal.aborted) return;
    drain.abort();
    void traffic.then(() => {
      clearInterval(reporter);
      console.log(JSON.stringify({ event: 'drained', ...snapshot(stats), events: stats.events }));
    });
  });
}

const percent = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');
const reporter = setInterval(
  () => {
    if (json) return console.log(JSON.stringify({ event: 'stats', ...snapshot(stats) }));
    const last = windowDelta(stats, 60);
    const now = snapshot(stats);
    const sum = (prefix, from) => Object.entries(from).reduce((total, [key, value]) => (key.startsWith(prefix) ? total + value : total), 0);
    console.log(
      `[${String(Math.round(now.t)).padStart(4)}s] ${now.requests ?? 0} requests (${((last.requests ?? 0) / Math.max(last.seconds, 1)).toFixed(1)}/s)` +
        ` | 5xx ${percent(last.status5xx ?? 0, last.requests ?? 0)}` +
        ` | cache hit ${percent(last.cacheHits ?? 0, (last.cacheHits ?? 0) + (last.cacheMisses ?? 0))}` +
        ` | llm ${sum('chats:', now)} streams, ${sum('chatErrors:', now)} refused, ${sum('tokens:', now)} tokens` +
        ` | breaker "pricing" ${stats.breaker}, upstream ${upstream.up() ? 'up' : 'down'}`,
    );
  },
  json ? 1000 : 5000,
);

async function shutdown() {
  if (stopping) return;
  stopping = true;
  controller.abort();
  clearInterval(reporter);
  if (service.exitCode === null && service.signalCode === null) {
    const exited = new Promise((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM');
    await exited;
  }
  await Promise.all([llm.close(), upstream.close()]);
}

const stop = async () => {
  await shutdown();
  await traffic.catch(() => undefined);
  if (!json) console.log(`\ndemo: stopped after ${stats.counts.requests ?? 0} requests`);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (Number.isFinite(durationS)) setTimeout(stop, durationS * 1000);
