// The demo's connection pool, reported through `metrics.db.pool(name)` the way a driver's pool
// (pg.Pool, mysql2, knex/tarn) would be: connections in use and idle, the maximum, callers
// waiting, how long they waited, how long each lease lasted, and callers that gave up.
// PGlite is a single in-process connection, so the pool hands out leases on it; the bookkeeping
// (at most `max` leases, a FIFO queue, an acquire timeout) is what a real pool does.
import { metrics } from 'promkit';

/**
 * @template C
 * @param {{ name: string, connection: C, max: number, acquireTimeoutMs: number }} options
 * @returns {{ use: <R>(fn: (connection: C) => Promise<R>) => Promise<R> }}
 */
export function createPool({ name, connection, max, acquireTimeoutMs }) {
  const report = metrics.db.pool(name);
  /** Callers waiting for a lease, oldest first. */
  const waiting = [];
  let used = 0;
  report.setMax(max);
  const publish = () => {
    report.setIdle(max - used);
    report.setPending(waiting.length);
  };
  publish();

  /** Hands a lease to a caller that asked at `askedAt`; `report.acquire()` counts it as used and times its use. */
  function lease(askedAt) {
    used += 1;
    const done = report.acquire();
    report.recordWait((performance.now() - askedAt) / 1000);
    publish();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      done();
      used -= 1;
      const next = waiting.shift();
      if (next !== undefined) {
        clearTimeout(next.timer);
        next.grant();
      } else publish();
    };
  }

  function acquire() {
    const askedAt = performance.now();
    if (used < max) return Promise.resolve(lease(askedAt));
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => resolve(lease(askedAt)),
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          report.timeout();
          publish();
          reject(Object.assign(new Error(`no connection from pool "${name}" within ${acquireTimeoutMs} ms`), { code: 'POOL_TIMEOUT' }));
        }, acquireTimeoutMs),
      };
      waiting.push(waiter);
      publish();
    });
  }

  return {
    /** Runs `fn` with a connection and returns it to the pool afterwards, whatever happens. */
    async use(fn) {
      const release = await acquire();
      try {
        return await fn(connection);
      } finally {
        release();
      }
    },
  };
}
