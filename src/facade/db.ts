/**
 * Database client metrics (DB semantic conventions). Query text is deliberately not accepted
 * anywhere: it is unbounded and may hold personal data, so it can never become a label.
 */
import {
  DB_CLIENT_CONNECTION_COUNT,
  DB_CLIENT_CONNECTION_MAX,
  DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  DB_CLIENT_CONNECTION_TIMEOUTS,
  DB_CLIENT_CONNECTION_USE_TIME,
  DB_CLIENT_CONNECTION_WAIT_TIME,
  DB_CLIENT_OPERATION_DURATION,
  DB_CLIENT_RESPONSE_RETURNED_ROWS,
} from '../catalogue/db.js';
import { observeCall, safely } from '../record/observe-call.js';
import { errorTypeOf } from './error-type.js';
import { OVERFLOW_LABELS } from '../record/labels.js';
import { memoBudget, memoByName } from '../record/memo.js';
import type { BoundUpDownCounter, FacadeCore } from '../record/types.js';

/** The `name` of the shared pool handle returned past the cardinality limit. */
export const OVERFLOW_POOL_NAME = 'otel.metric.overflow';

/** What an operation is, never what it says: no query text. */
export interface DbOperation {
  /** `db.system.name`: `postgresql`, `mysql`, `mongodb`, `redis`, ... */
  readonly system: string;
  /** `db.operation.name`: the verb (`SELECT`, `findOne`), never the statement. */
  readonly operation: string;
  /** `db.collection.name`: table or collection. */
  readonly collection?: string;
  /** `db.namespace`: database or schema. */
  readonly namespace?: string;
}

export interface DbTrackOptions<R> {
  /** Rows the operation returned, recorded in `db.client.response.returned_rows` on success. */
  readonly rows?: (result: R) => number | undefined;
  /** `db.response.status_code` of a failed call (SQLSTATE, ...); default none. */
  readonly statusCode?: (error: unknown) => string | undefined;
}

/** One connection pool. The `set*` methods take absolute values; deltas are computed here. */
export interface DbPoolMetrics {
  readonly name: string;
  setUsed(count: number): void;
  setIdle(count: number): void;
  setMax(count: number): void;
  setPending(count: number): void;
  recordWait(seconds: number): void;
  recordUse(seconds: number): void;
  timeout(): void;
  /**
   * One more connection in use until the returned `release` is called, which also records the
   * use time. Extra `release` calls are ignored.
   */
  acquire(): () => void;
}

export interface DbFacade {
  /**
   * Times `fn` (sync or async). A thrown error is recorded with `error.type` = its `code` (driver
   * codes such as SQLSTATE `23505` or `ECONNRESET`) or else its class name (`errorTypeOf`), and rethrown as is.
   */
  track<R>(operation: DbOperation, fn: () => R, options?: DbTrackOptions<Awaited<R>>): R;
  /**
   * `pool(name)` returns the same handle for the same name. Past the cardinality limit of pool
   * names, new names share one handle (named {@link OVERFLOW_POOL_NAME}) on the overflow series.
   */
  pool(name: string): DbPoolMetrics;
}

type OperationKey = (typeof DB_CLIENT_OPERATION_DURATION.attributes)[number];

/** An up-down counter driven by absolute values: each `set` adds the difference to the last one. */
function absolute(counter: BoundUpDownCounter): { set(value: number): void; add(delta: number): void } {
  let current = 0;
  return {
    set(value) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return counter.add(value);
      const delta = value - current;
      current = value;
      if (delta !== 0) counter.add(delta);
    },
    add(delta) {
      current += delta;
      counter.add(delta);
    },
  };
}

export function createDbFacade(core: FacadeCore): DbFacade {
  const duration = core.histogram(DB_CLIENT_OPERATION_DURATION);
  const rows = core.histogram(DB_CLIENT_RESPONSE_RETURNED_ROWS);
  const count = core.upDownCounter(DB_CLIENT_CONNECTION_COUNT);
  const max = core.upDownCounter(DB_CLIENT_CONNECTION_MAX);
  const pending = core.upDownCounter(DB_CLIENT_CONNECTION_PENDING_REQUESTS);
  const waitTime = core.histogram(DB_CLIENT_CONNECTION_WAIT_TIME);
  const useTime = core.histogram(DB_CLIENT_CONNECTION_USE_TIME);
  const timeouts = core.counter(DB_CLIENT_CONNECTION_TIMEOUTS);
  const { clock } = core;

  const createPool = (name: string, overflow = false): DbPoolMetrics => {
    const pool = overflow ? OVERFLOW_LABELS : { 'db.client.connection.pool.name': name };
    const used = absolute(count.bind(overflow ? OVERFLOW_LABELS : { ...pool, 'db.client.connection.state': 'used' }));
    const idle = absolute(count.bind(overflow ? OVERFLOW_LABELS : { ...pool, 'db.client.connection.state': 'idle' }));
    const maximum = absolute(max.bind(pool));
    const waiting = absolute(pending.bind(pool));
    const wait = waitTime.bind(pool);
    const use = useTime.bind(pool);
    const timedOut = timeouts.bind(pool);
    return {
      name,
      setUsed: (n) => used.set(n),
      setIdle: (n) => idle.set(n),
      setMax: (n) => maximum.set(n),
      setPending: (n) => waiting.set(n),
      recordWait: (seconds) => wait.record(seconds),
      recordUse: (seconds) => use.record(seconds),
      timeout: () => timedOut.add(1),
      acquire() {
        const start = clock.now();
        used.add(1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          used.add(-1);
          use.record(clock.now() - start);
        };
      },
    };
  };

  return {
    track(operation, fn, options = {}) {
      const labels: { -readonly [K in OperationKey]?: string } = {
        'db.system.name': operation.system,
        'db.operation.name': operation.operation,
      };
      if (operation.collection !== undefined) labels['db.collection.name'] = operation.collection;
      if (operation.namespace !== undefined) labels['db.namespace'] = operation.namespace;
      const start = clock.now();
      return observeCall(fn, (outcome) => {
        const elapsed = clock.now() - start;
        if (outcome.ok) {
          duration.record(elapsed, labels);
          const returned = options.rows ? safely(options.rows, outcome.value) : undefined;
          if (returned !== undefined) rows.record(returned, labels);
          return;
        }
        const status = options.statusCode ? safely(options.statusCode, outcome.error) : undefined;
        const failed = { ...labels, 'error.type': errorTypeOf(outcome.error) };
        duration.record(elapsed, status === undefined ? failed : { ...failed, 'db.response.status_code': status });
      });
    },

    // Past the cardinality limit of pool names, new names share one handle on the overflow series.
    pool: memoByName(memoBudget(core.limits), (name) => createPool(name), () => createPool(OVERFLOW_POOL_NAME, true)),
  };
}
