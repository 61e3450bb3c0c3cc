// Child process of the loop-delay section: one scrape endpoint holding N counter+histogram pairs,
// with its own event-loop delay monitor. Talks to the parent over IPC:
//   -> { ready: url }            once listening and populated
//   <- 'start' -> { started }    resets the monitor and the CPU baseline
//   <- 'stop'  -> { max, p99, p50, mean, samples, cpuMs }  then exits
//   node bench/scrape-target.mjs --impl=promkit|upstream|prom-client|prometheus-io --pairs=10000
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import pio from '@prometheus-io/client';
import client from 'prom-client';
import { start } from '../dist/src/start.js';
import { flag, populateOtel, populatePromClient } from './fixtures.mjs';

const impl = flag(process.argv, 'impl', 'promkit');
const pairs = Number(flag(process.argv, 'pairs', '10000'));
const HOST = '127.0.0.1';

function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(server.address().port));
  });
}

/** A free port for the upstream exporter, whose `config.port || 9464` cannot take port 0. */
async function freePort() {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function serve() {
  if (impl === 'promkit') {
    const handle = await start({ port: 0, host: HOST, instrumentHttp: false, instrumentFetch: false });
    populateOtel(handle.meterProvider.getMeter('bench'), pairs);
    return handle.url;
  }
  if (impl === 'upstream') {
    const port = await freePort();
    const exporter = await new Promise((resolve, reject) => {
      const e = new PrometheusExporter({ host: HOST, port }, (error) => (error ? reject(error) : resolve(e)));
    });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    populateOtel(meterProvider.getMeter('bench'), pairs);
    return `http://${HOST}:${port}/metrics`;
  }
  if (impl === 'prom-client' || impl === 'prometheus-io') {
    // Neither compresses: their READMEs serve registry.metrics() as it is.
    const lib = impl === 'prom-client' ? client : pio;
    const registry = new lib.Registry();
    populatePromClient(registry, pairs, lib);
    const server = createServer((request, response) => {
      registry.metrics().then(
        (text) => {
          response.setHeader('content-type', registry.contentType);
          response.end(text);
        },
        (error) => {
          response.statusCode = 500;
          response.end(String(error));
        },
      );
    });
    const port = await listen(server);
    return `http://${HOST}:${port}/metrics`;
  }
  throw new Error(`unknown --impl=${impl}`);
}

const url = await serve();
const delay = monitorEventLoopDelay({ resolution: 1 });
let cpu = process.cpuUsage();
process.on('message', (message) => {
  if (message === 'start') {
    delay.reset();
    delay.enable();
    cpu = process.cpuUsage();
    process.send({ started: true });
  } else if (message === 'stop') {
    delay.disable();
    const used = process.cpuUsage(cpu);
    const ms = (ns) => ns / 1e6;
    process.send(
      {
        max: ms(delay.max),
        p99: ms(delay.percentile(99)),
        p50: ms(delay.percentile(50)),
        mean: ms(delay.mean),
        samples: delay.count,
        cpuMs: (used.user + used.system) / 1000,
      },
      () => process.exit(0),
    );
  }
});
process.send({ ready: url });
