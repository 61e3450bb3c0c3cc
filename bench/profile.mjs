// Where the time goes, for the next optimisation: runs one focused case under `node --cpu-prof`
// and prints the top self-time frames (and the share by package).
//   node bench/profile.mjs <case> [--top=25]   (no case: lists them)
// Build first (`npm run build`). Profiles land in .tmp/profiles/.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'node:http';
import autocannon from 'autocannon';
import { forkServer, spawnServer } from './child.mjs';
import { flag } from './fixtures.mjs';
import { scrape } from './loop-delay.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const BENCH = new URL('.', import.meta.url).pathname;
const which = process.argv[2];
const top = Number(flag(process.argv, 'top', '25'));
const dir = join(ROOT, '.tmp', 'profiles', which ?? 'none');

/** Runs `node --cpu-prof <script> args` to completion. */
function profiled(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, script, ...args], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** A server child under --cpu-prof, loaded by `drive(url, server)`; it writes its profile on exit. */
async function profiledServer(script, args, drive, options = {}) {
  const execArgv = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(options.execArgv ?? [])];
  // hello-server has no IPC channel (see its header): it is spawned, and exits on SIGTERM.
  const spawned = script.endsWith('hello-server.mjs');
  const server = spawned ? spawnServer(script, { args, execArgv, env: options.env ?? {} }) : forkServer(script, { args, execArgv, env: options.env ?? {} });
  const url = await server.ready;
  await drive(url, server);
  if (spawned) return server.stop();
  // scrape-target exits by itself after 'stop'.
  if (server.child.exitCode !== null) return;
  await new Promise((resolve) => {
    server.child.once('exit', resolve);
    if (server.child.connected) server.child.disconnect();
  });
}

/** The promkit endpoint with 10k pairs, scraped back to back for 6 s with `headers`. */
function scrapedBackToBack(headers) {
  return profiledServer(join(BENCH, 'scrape-target.mjs'), ['--impl=promkit', '--pairs=10000'], async (url, server) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await server.request('start');
    const end = performance.now() + 6000;
    while (performance.now() < end) await scrape(url, agent, headers);
    console.log('loop delay during the profile (ms):', await server.request('stop'));
    agent.destroy();
  });
}

const CASES = {
  'facade-add': () => profiled(join(BENCH, 'profile-hot.mjs'), ['--case=facade-add']),
  'facade-record': () => profiled(join(BENCH, 'profile-hot.mjs'), ['--case=facade-record']),
  'raw-record': () => profiled(join(BENCH, 'profile-hot.mjs'), ['--case=raw-record']),
  scrape: () => profiled(join(BENCH, 'profile-hot.mjs'), ['--case=scrape']),
  'loop-delay': () => scrapedBackToBack({}),
  'loop-delay-gzip': () => scrapedBackToBack({ 'accept-encoding': 'gzip' }),
  'plain-http': () =>
    profiledServer(join(BENCH, 'hello-server.mjs'), ['--mode=plain'], async (url) => {
      const result = await autocannon({ url, connections: 10, duration: 6 });
      console.log(`${Math.round(result.requests.average)} req/s`);
    }),
  'register-http': () =>
    profiledServer(
      join(BENCH, 'hello-server.mjs'),
      ['--mode=plain'],
      async (url) => {
        const result = await autocannon({ url, connections: 10, duration: 6 });
        console.log(`${Math.round(result.requests.average)} req/s`);
      },
      {
        execArgv: ['--import', join(ROOT, 'register.js')],
        env: { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', PROMKIT_QUIET: 'true' },
      },
    ),
};

/** Where a frame's code lives: a package name, promkit's own dist, node internals, or the bench. */
function origin(url) {
  if (url === '') return '(native/VM)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'promkit (dist)';
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/bench/')) return 'bench';
  return url;
}

function summarise(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    self.set(node, (self.get(node) ?? 0) + (deltas[i] ?? 0));
  }
  const frames = new Map();
  const origins = new Map();
  let total = 0;
  for (const [node, us] of self) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    const where = url === '' ? '' : `${url.replace(`file://${ROOT}`, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}  ${where}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    origins.set(origin(url), (origins.get(origin(url)) ?? 0) + us);
    total += us;
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}\nbusy ${(total / 1000).toFixed(0)} ms (idle and (program) excluded); top self time:`);
  for (const [key, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${key}`);
  console.log('by origin:');
  for (const [key, us] of [...origins].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${pct(us)}  ${key}`);
}

if (!(which in CASES)) {
  console.error(`usage: node bench/profile.mjs ${Object.keys(CASES).join('|')} [--top=25]`);
  process.exit(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
await CASES[which]();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) summarise(join(dir, file));
