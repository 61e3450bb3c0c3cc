// HTTP overhead: a hello-world node:http server in a child process (bench/hello-server.mjs),
// plain, with `--import ./register.js` (promkit's automatic HTTP metrics), and with a
// hand-written prom-client middleware. autocannon drives each from this process over loopback;
// the child reports its own CPU time, so the load generator's CPU is not counted.
import autocannon from 'autocannon';
import { forkServer } from './child.mjs';
import { Section, median } from './table.mjs';

const HELLO = new URL('./hello-server.mjs', import.meta.url).pathname;
const REGISTER = new URL('../register.js', import.meta.url).pathname;
const CONNECTIONS = 10;

const MODES = {
  plain: { name: 'plain node:http', args: ['--mode=plain'] },
  register: {
    name: 'node --import ./register.js',
    args: ['--mode=plain'],
    execArgv: ['--import', REGISTER],
    // Not quiet: the "serving metrics at <url>" line tells where to check that requests were recorded.
    env: { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
  },
  promClient: { name: 'prom-client middleware', args: ['--mode=prom-client'] },
};

function load(url, seconds) {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds });
}

/** One measured run against one server: CPU µs per request and requests per second. */
async function round(server, url, seconds) {
  await server.request('start');
  const result = await load(url, seconds);
  const { cpuUs, requests } = await server.request('stop');
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
  return { cpuPerRequest: cpuUs / requests, reqPerSec: requests / result.duration, requests };
}

/** Requests counted in the register.js server's own scrape, to show the instrumentation was live. */
async function recordedRequests(stderr) {
  const url = /serving metrics at (\S+)/.exec(stderr)?.[1];
  if (url === undefined) return `no scrape URL in the register.js child's stderr: ${stderr.trim()}`;
  const text = await (await fetch(url)).text();
  const counts = [...text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*\} (\S+)$/gm)];
  const total = counts.reduce((sum, match) => sum + Number(match[1]), 0);
  return `register.js child recorded ${total.toLocaleString('en-US')} requests in http_server_request_duration_seconds`;
}

/** Runs the HTTP-overhead section. */
export async function runHttpOverhead({ quick }) {
  const seconds = quick ? 1 : 5;
  const rounds = quick ? 2 : 5;
  const warmup = quick ? 0.5 : 2;
  const servers = {};
  let recorded;
  try {
    for (const [id, mode] of Object.entries(MODES)) {
      const server = forkServer(HELLO, { args: mode.args, execArgv: mode.execArgv ?? [], env: mode.env ?? {} });
      servers[id] = { server, url: await server.ready, samples: [] };
    }
    for (const { url } of Object.values(servers)) await load(url, warmup);
    // Rounds interleave the modes so that a noisy moment of the machine hits all of them.
    for (let r = 0; r < rounds; r++) {
      for (const entry of Object.values(servers)) entry.samples.push(await round(entry.server, entry.url, seconds));
    }
    recorded = await recordedRequests(servers.register.server.stderr());
  } finally {
    await Promise.all(Object.values(servers).map(({ server }) => server.stop()));
  }

  const m = {};
  for (const [id, { samples }] of Object.entries(servers)) {
    m[id] = {
      cpuPerRequest: median(samples.map((s) => s.cpuPerRequest)),
      reqPerSec: median(samples.map((s) => s.reqPerSec)),
      requests: samples.reduce((sum, s) => sum + s.requests, 0),
    };
  }
  const section = new Section(
    `HTTP overhead: hello-world server in a child, autocannon ${CONNECTIONS} connections x ${seconds} s over loopback (median of ${rounds} rounds)`,
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
  section
    .ratio('CPU per request register.js/plain', m.register.cpuPerRequest, m.plain.cpuPerRequest, 'target <= 1.25x')
    .ratio('CPU per request prom-client middleware/plain', m.promClient.cpuPerRequest, m.plain.cpuPerRequest)
    .ratio('req/s register.js/plain', m.register.reqPerSec, m.plain.reqPerSec)
    .ratio('req/s prom-client middleware/plain', m.promClient.reqPerSec, m.plain.reqPerSec)
    .note(recorded);
  return { section, figures: m };
}
