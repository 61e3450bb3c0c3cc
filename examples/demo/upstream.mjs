// The flaky upstream the demo's circuit breaker protects: a pricing service that answers
// `GET /prices/<id>` quickly while up and with 503 while down. Up and down follow a schedule
// such as "up:20,down:12" (seconds), repeated; the last phase of a schedule that should not
// repeat can simply be long.
import { createServer } from 'node:http';

/** Default schedule: 20 s healthy, 12 s down, repeated; long enough for the breaker to open and recover. */
export const DEFAULT_SCHEDULE = 'up:20,down:12';

/** Parses "up:20,down:12" into [{ up: true, seconds: 20 }, { up: false, seconds: 12 }]. */
export function parseSchedule(text) {
  const phases = text.split(',').map((part) => {
    const [state, seconds] = part.trim().split(':');
    const value = Number(seconds);
    if ((state !== 'up' && state !== 'down') || !(value > 0)) {
      throw new Error(`bad upstream schedule phase "${part}"; expected e.g. "up:20,down:12"`);
    }
    return { up: state === 'up', seconds: value };
  });
  if (phases.length === 0) throw new Error('empty upstream schedule');
  return phases;
}

/** Whether the schedule is up `elapsedS` seconds after it started. */
export function isUp(phases, elapsedS) {
  const cycle = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  let t = elapsedS % cycle;
  for (const phase of phases) {
    if (t < phase.seconds) return phase.up;
    t -= phase.seconds;
  }
  return true;
}

/**
 * Starts the upstream on 127.0.0.1:`port` (0 for a free port). It is up until `startSchedule()`
 * is called; from then on it follows the schedule.
 * @returns {Promise<{ url: string, port: number, up: () => boolean, startSchedule: () => void, close: () => Promise<void> }>}
 */
export async function startUpstream({ port = 0, schedule = DEFAULT_SCHEDULE } = {}) {
  const phases = parseSchedule(schedule);
  let started;
  const up = () => started === undefined || isUp(phases, (performance.now() - started) / 1000);
  const server = createServer((request, response) => {
    const match = /^\/prices\/(\d+)$/.exec(request.url ?? '');
    if (request.method !== 'GET' || !match) {
      response.writeHead(404).end();
      return;
    }
    if (!up()) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"pricing is down"}');
      return;
    }
    const id = Number(match[1]);
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id, price: 10 + (id % 90), currency: 'EUR' }));
    }, 15);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    up,
    startSchedule: () => {
      started ??= performance.now();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
