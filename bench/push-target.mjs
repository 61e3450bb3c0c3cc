// Child process of the push loop-delay section: promkit with N counter series and remote write
// to the parent's receiver, monitoring its own event loop with monitorEventLoopDelay({ resolution: 1 }).
// Talks to the parent over IPC:
//   -> { ready: scrapeUrl }        once listening and populated
//   <- 'start' -> { started }      resets the monitor and the CPU baseline
//   <- 'push'  -> { pushed }       one remote-write push (collect, encode, compress), queued
//   <- 'stop'  -> { max, p99, p50, samples, cpuMs }  then exits
// --mode=unsliced answers 'push' with the encoding before slicing (one synchronous encode and
// snappy of a fresh collection), to show what the slices change, side by side.
//   node bench/push-target.mjs --series=20000 --receiver=http://127.0.0.1:port/api/v1/write [--mode=sliced|unsliced]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusReader } from '../dist/src/otel/reader.js';
import { encodeWriteRequest } from '../dist/src/push/protobuf.js';
import { toTimeSeries } from '../dist/src/push/series.js';
import { snappyCompress } from '../dist/src/push/snappy.js';
import { start } from '../dist/src/start.js';
import { flag } from './fixtures.mjs';

const series = Number(flag(process.argv, 'series', '20000'));
const receiver = flag(process.argv, 'receiver', '');
const mode = flag(process.argv, 'mode', 'sliced');
const PER_METRIC = 1000;

/** `series` counter series: one metric per thousand, two labels each, as an app's routes and statuses would be. */
function populate(meter) {
  for (let m = 0; m * PER_METRIC < series; m++) {
    const counter = meter.createCounter(`bench.push.requests.m${m}`, { description: 'Bench requests.' });
    const count = Math.min(PER_METRIC, series - m * PER_METRIC);
    for (let i = 0; i < count; i++) counter.add(1 + (i % 7), { 'http.route': `/api/v1/resource${i % 250}/:id`, 'http.response.status_code': 200 + (i % 4) });
  }
}

const handle = await start({
  port: 0,
  host: '127.0.0.1',
  instrumentHttp: false,
  instrumentFetch: false,
  runtimeMetrics: false,
  push: { remoteWrite: { url: receiver, intervalMillis: 3_600_000, maxQueuedRequests: 2 } },
});
populate(handle.meterProvider.getMeter('bench'));

let push = () => handle.push();
if (mode === 'unsliced') {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader] });
  populate(provider.getMeter('bench'));
  const target = { job: 'bench', instance: 'bench:1' };
  push = async () => {
    const { resourceMetrics } = await reader.collect();
    const body = snappyCompress(encodeWriteRequest(toTimeSeries(resourceMetrics, target, Date.now())));
    await fetch(receiver, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' } });
  };
}

const delay = monitorEventLoopDelay({ resolution: 1 });
let cpu = process.cpuUsage();
process.on('message', async (message) => {
  if (message === 'start') {
    delay.reset();
    delay.enable();
    cpu = process.cpuUsage();
    process.send({ started: true });
  } else if (message === 'push') {
    await push();
    process.send({ pushed: true });
  } else if (message === 'stop') {
    delay.disable();
    const used = process.cpuUsage(cpu);
    const ms = (ns) => ns / 1e6;
    process.send({ max: ms(delay.max), p99: ms(delay.percentile(99)), p50: ms(delay.percentile(50)), samples: delay.count, cpuMs: (used.user + used.system) / 1000 }, () =>
      process.exit(0),
    );
  }
});
process.send({ ready: handle.url });
