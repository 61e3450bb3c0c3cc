// Start-up: `node --import <preload> -e 0` as separate processes, each measuring its own CPU time
// and peak RSS at exit (bench/startup/report.cjs: resourceUsage() CPU, /proc VmHWM). One round runs every
// variant once, back to back, so each promkit run has a prom-client run beside it under the same
// machine load; the ratios are per pair, shown as min / median / max.
import { spawn } from 'node:child_process';
import { Section, median, spreadOf } from './table.mjs';

const here = (path) => new URL(path, import.meta.url).pathname;
const REPORT = here('./startup/report.cjs');

const VARIANTS = {
  plain: { name: 'node -e 0 (floor)', args: [] },
  promkit: {
    name: 'node --import promkit/register',
    args: ['--import', here('../register.js')],
    // Default configuration, except a free loopback port so that runs never collide.
    env: { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', PROMKIT_QUIET: 'true' },
  },
  promClient: { name: 'prom-client + collectDefaultMetrics()', args: ['--import', here('./startup/prom-client.mjs')] },
  prometheusIo: { name: '@prometheus-io/client + collectDefaultMetrics()', args: ['--import', here('./startup/prometheus-io.mjs')] },
};

/** One process run; resolves with its own `{ cpuMs, maxRssKiB }`. */
function runOnce(variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REPORT, ...variant.args, '-e', '0'], {
      env: { ...process.env, ...variant.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = /^startup-usage (.+)$/m.exec(stderr);
      if (code !== 0 || line === null) reject(new Error(`${variant.name} exited with ${code}:\n${stderr}`));
      else resolve(JSON.parse(line[1]));
    });
  });
}

/** Runs the start-up section. */
export async function runStartup({ quick }) {
  const rounds = quick ? 2 : 15;
  const samples = Object.fromEntries(Object.keys(VARIANTS).map((id) => [id, []]));
  for (const variant of Object.values(VARIANTS)) await runOnce(variant); // warm the file cache
  for (let r = 0; r < rounds; r++) {
    for (const [id, variant] of Object.entries(VARIANTS)) samples[id].push(await runOnce(variant));
  }
  const section = new Section(`start-up: CPU time and peak RSS of \`node --require report.cjs <preload> -e 0\` (median of ${rounds} rounds)`);
  section.columns('process', 'CPU ms', 'peak RSS MiB', 'CPU vs plain', 'CPU vs prom-client', 'RSS vs prom-client');
  const m = {};
  for (const [id, list] of Object.entries(samples)) {
    m[id] = { cpuMs: median(list.map((s) => s.cpuMs)), rssMiB: median(list.map((s) => s.maxRssKiB / 1024)) };
  }
  for (const [id, r] of Object.entries(m)) {
    section.row(
      VARIANTS[id].name,
      r.cpuMs,
      r.rssMiB,
      `${(r.cpuMs / m.plain.cpuMs).toFixed(2)}x`,
      `${(r.cpuMs / m.promClient.cpuMs).toFixed(2)}x`,
      `${(r.rssMiB / m.promClient.rssMiB).toFixed(2)}x`,
    );
  }
  const pairs = (id, key) => samples[id].map((s, i) => s[key] / samples.promClient[i][key]);
  const cpu = pairs('promkit', 'cpuMs');
  const rss = pairs('promkit', 'maxRssKiB');
  section
    .spread('CPU promkit/prom-client per pair', cpu, 'target <= 1.5x')
    .spread('peak RSS promkit/prom-client per pair', rss, 'target <= 1.5x')
    .spread('CPU promkit/@prometheus-io/client per pair', samples.promkit.map((s, i) => s.cpuMs / samples.prometheusIo[i].cpuMs))
    .note('promkit also binds its scrape server; the prom-client runs start no server (their README leaves that to the app)');
  return { section, figures: { ...m, cpu: spreadOf(cpu), rss: spreadOf(rss) } };
}
