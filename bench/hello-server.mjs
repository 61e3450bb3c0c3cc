// Child process of the HTTP-overhead section: a hello-world node:http server, plain or with a
// hand-written prom-client middleware (the `register` variant is this same plain server started
// with `--import ./register.js`). No IPC channel and no message handler: the parent reads this
// process's CPU time from /proc and counts the requests autocannon got answered, so nothing but
// the server runs in here (an IPC channel alone changed how fast Node's request path ran).
//   -> stdout: `listening <url>`        SIGTERM: exits (a --cpu-prof profile is written)
//   node bench/hello-server.mjs --mode=plain|prom-client|prometheus-io
import { createServer } from 'node:http';
import pio from '@prometheus-io/client';
import client from 'prom-client';

const mode = process.argv.find((a) => a.startsWith('--mode='))?.slice(7) ?? 'plain';

function hello(request, response) {
  response.setHeader('content-type', 'text/plain');
  response.end('hello world\n');
}

/** What a prom-client user writes by hand: a duration histogram by method, route and status. */
function withPromClient(handler, lib) {
  const registry = new lib.Registry();
  const duration = new lib.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  return (request, response) => {
    const end = duration.startTimer();
    response.once('finish', () => end({ method: request.method, route: '/', status_code: response.statusCode }));
    handler(request, response);
  };
}

const handler = mode === 'prom-client' ? withPromClient(hello, client) : mode === 'prometheus-io' ? withPromClient(hello, pio) : hello;
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}/\n`);
});
process.once('SIGTERM', () => process.exit(0));
