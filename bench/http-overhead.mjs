// HTTP overhead: a hello-world node:http server in a child process (bench/hello-server.mjs),
// plain, with `--import ./register.js` (promkit's automatic HTTP metrics), and with a
// hand-written prom-client (and @prometheus-io/client) middleware, at 10 and 100 connections.
// autocannon drives each from this process over loopback; the child's CPU time is read from /proc
// (Linux) and divided by the requests autocannon got answered, so the load generator's CPU is not
// counted and no measuring code runs in the child. Each round starts fresh servers and
// interleaves them; the ratio against plain is taken per round and shown as min / median / max.
import autocannon from 'autocannon';
import { spawnServer } from './child.mjs';
import { Section, median, spreadOf } from './table.mjs';

const HELLO = new URL('./hello-server.mjs', import.meta.url).pathname;
const REGISTER = new URL('../register.js', import.meta.url).pathname;
const CONNECTIONS = [10, 100];

const MODES = {
  plain: { name: 'plain node:http', args: ['--mode=plain'] },
  register: {
    name: 'node --import ./register.js (scraped once)',
    args: ['--mode=plain'],
    execArgv: ['--import', REGISTER],
    // Not quiet: the "serving metrics at <url>" line tells where to check that requests were recorded.
    env: { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
  },
  promClient: { name: 'prom-client middleware', args: ['--mode=prom-client'] },
  prometheusIo: { name: '@prometheus-io/client middleware', args: ['--mode=prometheus-io'] },
};

function load(url, seconds, connections) {
  return autocannon({ url, connections, duration: seconds });
}

/** One measured run against one server: CPU µs per request and requests per second. */
async function round(server, url, seconds, connections) {
  const before = server.cpuMicros();
  const result = await load(url, seconds, connections);
  const cpuUs = server.cpuMicros() - before;
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
  // Answered requests: the ones still in flight when autocannon stopped are not counted, and their CPU is noise at this size.
  const requests = result['2xx'];
  return { cpuPerRequest: cpuUs / requests, reqPerSec: requests / result.duration, requests };
}

/** The register.js child's scrape URL, from the line it prints at start. */
function scrapeUrl(stderr) {
  return /serving metrics at (\S+)/.exec(stderr)?.[1];
}

/**
 * One scrape of the register.js child before its load, as Prometheus would have made: the first
 * collection can change the process for good (on Node 22 it enabled an async hook that every
 * later promise and tick paid for), so an unscraped server is not what runs in production.
 */
async function scrapeOnce(server) {
  for (let i = 0; i < 50 && scrapeUrl(server.stderr()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const url = scrapeUrl(server.stderr());
  if (url === undefined) throw new Error(`no scrape URL in the register.js child's stderr: ${server.stderr().trim()}`);
  const response = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  await response.arrayBuffer();
}

/** Requests counted in the register.js server's own scrape, to show the instrumentation was live. */
async function recordedRequests(stderr) {
  const url = scrapeUrl(stderr);
  if (url === undefined) return `no scrape URL in the register.js child's stderr: ${stderr.trim()}`;
  const text = await (await fetch(url)).text();
  const counts = [...text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*\} (\S+)$/gm)];
  const total = counts.reduce((sum, match) => sum + Number(match[1]), 0);
  return `register.js child recorded ${total.toLocaleString('en-US')} requests in http_server_request_duration_seconds`;
}

/** Starts one server of `mode` and waits until it listens. */
async function startServer(mode) {
  const server = spawnServer(HELLO, { args: mode.args, execArgv: mode.execArgv ?? [], env: mode.env ?? {} });
  return { server, url: await server.ready };
}

/**
 * Runs the HTTP-overhead section: one table per connection count. Every round starts a fresh
 * process per server: how fast Node's own request path runs depends on what V8 has optimised by
 * the time the load arrives (one process measured for all rounds is one draw), so each ratio is
 * a pair of fresh processes warmed up alike, and the spread across rounds shows that variance.
 */
export async function runHttpOverhead({ quick }) {
  const seconds = quick ? 1 : 5;
  const rounds = quick ? 2 : 5;
  const warmup = quick ? 0.5 : 2;
  const sections = [];
  const figures = {};
  let registerStderr = '';
  for (const connections of CONNECTIONS) {
    const samples = Object.fromEntries(Object.keys(MODES).map((id) => [id, []]));
    // Rounds interleave the modes so that a noisy moment of the machine hits all of them.
    for (let r = 0; r < rounds; r++) {
      for (const [id, mode] of Object.entries(MODES)) {
        const { server, url } = await startServer(mode);
        try {
          if (id === 'register') await scrapeOnce(server);
          await load(url, warmup, connections);
          samples[id].push(await round(server, url, seconds, connections));
          if (id === 'register' && r === rounds - 1 && connections === CONNECTIONS.at(-1)) {
            registerStderr = await recordedRequests(server.stderr());
          }
        } finally {
          await server.stop();
        }
      }
    }
    const result = report(samples, connections, seconds, rounds);
    sections.push(result.section);
    figures[connections] = result.figures;
  }
  sections.at(-1).note(`${registerStderr} (the last register.js process)`);
  return { sections, figures };
}

function report(samples, connections, seconds, rounds) {
  const m = {};
  for (const [id, list] of Object.entries(samples)) {
    m[id] = {
      cpuPerRequest: median(list.map((s) => s.cpuPerRequest)),
      reqPerSec: median(list.map((s) => s.reqPerSec)),
      requests: list.reduce((sum, s) => sum + s.requests, 0),
    };
  }
  const section = new Section(
    `HTTP overhead: hello-world server in a child, autocannon ${connections} connections x ${seconds} s over loopback (median of ${rounds} rounds, a fresh process per server and round)`,
  );
  section.columns('server', 'CPU us/request', 'req/s', 'CPU vs plain', 'req/s vs plain', 'requests measured');
  for (const [id, r] of Object.entries(m)) {
    section.row(
      MODES[id].name,
      r.cpuPerRequest,
      r.reqPerSec,
      `${(r.cpuPerRequest / m.plain.cpuPerRequest).toFixed(2)}x`,
      `${(r.reqPerSec / m.plain.reqPerSec).toFixed(2)}x`,
      r.requests,
    );
  }
  const perRound = (id) => samples[id].map((s, i) => s.cpuPerRequest / samples.plain[i].cpuPerRequest);
  const register = perRound('register');
  section
    .spread(`CPU per request register.js/plain, c=${connections}`, register, 'target <= 1.10x')
    .spread(`CPU per request prom-client middleware/plain, c=${connections}`, perRound('promClient'))
    .spread(`CPU per request @prometheus-io/client middleware/plain, c=${connections}`, perRound('prometheusIo'))
    .ratio(`req/s register.js/plain, c=${connections}`, m.register.reqPerSec, m.plain.reqPerSec);
  return { section, figures: { ...m, register: { ...m.register, ratio: spreadOf(register) } } };
}
