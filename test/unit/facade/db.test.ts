import { describe, expect, it } from 'vitest';
import { createDbFacade, type DbFacade } from '../../../src/facade/db.js';
import type { TestMetrics } from '../../../src/testing/index.js';
import { useTestMetrics } from '../../helpers/test-metrics.js';

const DURATION = 'db.client.operation.duration';
const ROWS = 'db.client.response.returned_rows';
const OP = { system: 'postgresql', operation: 'SELECT', collection: 'users', namespace: 'app' } as const;
const LABELS = {
  'db.system.name': 'postgresql',
  'db.operation.name': 'SELECT',
  'db.collection.name': 'users',
  'db.namespace': 'app',
};

let t: TestMetrics;
let db: DbFacade;

useTestMetrics((fresh) => {
  t = fresh;
  db = createDbFacade(fresh.core);
});

describe('db.track', () => {
  it('times an async operation and records returned rows', async () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const result = await db.track(
      OP,
      async () => {
        t.clock.advance(0.03125);
        return { rows };
      },
      { rows: (r) => r.rows.length },
    );
    expect(result.rows).toBe(rows);
    const h = await t.getHistogram(DURATION, LABELS);
    expect(h).toMatchObject({ count: 1, sum: 0.03125 });
    // le: 0.001 0.005 0.01 0.05 0.1 0.5 1 5 10 +Inf
    expect(h?.buckets.map((b) => b.count)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    const r = await t.getHistogram(ROWS, LABELS);
    expect(r).toMatchObject({ count: 1, sum: 3 });
    // le: 1 2 5 10 20 50 100 200 500 1000 2000 5000 10000 +Inf
    expect(r?.buckets.map((b) => b.count)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('omits optional attributes and works for sync functions', async () => {
    const value = db.track({ system: 'redis', operation: 'GET' }, () => {
      t.clock.advance(0.5);
      return 'x';
    });
    expect(value).toBe('x');
    expect(await t.getHistogram(DURATION, { 'db.system.name': 'redis', 'db.operation.name': 'GET' })).toMatchObject({ count: 1, sum: 0.5 });
    expect(await t.getHistogram(ROWS, { 'db.system.name': 'redis', 'db.operation.name': 'GET' })).toBeUndefined();
  });

  it('records error.type from the error code and rethrows the same error', async () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    await expect(
      db.track({ ...OP, operation: 'INSERT' }, async () => {
        t.clock.advance(0.25);
        throw err;
      }),
    ).rejects.toBe(err);
    const labels = { ...LABELS, 'db.operation.name': 'INSERT', 'error.type': '23505' };
    expect(await t.getHistogram(DURATION, labels)).toMatchObject({ count: 1, sum: 0.25 });
    expect(await t.getHistogram(ROWS, { ...LABELS, 'db.operation.name': 'INSERT' })).toBeUndefined();
  });

  it('falls back to the error name, and sets db.response.status_code when asked', async () => {
    class QueryTimeoutError extends Error {}
    const err = new QueryTimeoutError('took too long');
    expect(() =>
      db.track(
        OP,
        () => {
          throw err;
        },
        { statusCode: () => '57014' },
      ),
    ).toThrow(err);
    expect(
      await t.getHistogram(DURATION, { ...LABELS, 'error.type': 'QueryTimeoutError', 'db.response.status_code': '57014' }),
    ).toMatchObject({ count: 1, sum: 0 });
    const numeric = Object.assign(new Error('x'), { code: 1213 });
    await expect(db.track(OP, () => Promise.reject(numeric))).rejects.toBe(numeric);
    expect(await t.getHistogram(DURATION, { ...LABELS, 'error.type': '1213' })).toMatchObject({ count: 1 });
  });

  it('has no way to pass query text', async () => {
    // @ts-expect-error query text is never accepted as an attribute
    await db.track({ ...OP, query: 'SELECT * FROM users WHERE email = $1' }, async () => 1);
    expect(await t.getHistogram(DURATION, LABELS)).toMatchObject({ count: 1 });
    expect(await t.scrapeText()).not.toContain('email');
  });
});

describe('db.pool', () => {
  const POOL = { 'db.client.connection.pool.name': 'main' };
  const used = { ...POOL, 'db.client.connection.state': 'used' };
  const idle = { ...POOL, 'db.client.connection.state': 'idle' };

  it('returns the same handle per name', () => {
    expect(db.pool('main')).toBe(db.pool('main'));
    expect(db.pool('main').name).toBe('main');
  });

  it('turns absolute values into up-down counter deltas', async () => {
    const pool = db.pool('main');
    pool.setMax(10);
    pool.setUsed(3);
    pool.setIdle(7);
    pool.setPending(2);
    expect(await t.getValue('db.client.connection.count', used)).toBe(3);
    expect(await t.getValue('db.client.connection.count', idle)).toBe(7);
    expect(await t.getValue('db.client.connection.max', POOL)).toBe(10);
    expect(await t.getValue('db.client.connection.pending_requests', POOL)).toBe(2);
    pool.setUsed(5);
    pool.setIdle(5);
    pool.setPending(0);
    pool.setMax(10);
    expect(await t.getValue('db.client.connection.count', used)).toBe(5);
    expect(await t.getValue('db.client.connection.count', idle)).toBe(5);
    expect(await t.getValue('db.client.connection.pending_requests', POOL)).toBe(0);
    expect(await t.getValue('db.client.connection.max', POOL)).toBe(10);
  });

  it('records wait and use time and counts timeouts', async () => {
    const pool = db.pool('main');
    pool.recordWait(0.002);
    pool.recordWait(0.2);
    pool.recordUse(1);
    pool.timeout();
    pool.timeout();
    const wait = await t.getHistogram('db.client.connection.wait_time', POOL);
    expect(wait).toMatchObject({ count: 2, sum: 0.202 });
    // le: 0.0001 0.0005 0.001 0.005 0.01 0.05 0.1 0.5 1 5 10 +Inf
    expect(wait?.buckets.map((b) => b.count)).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(await t.getHistogram('db.client.connection.use_time', POOL)).toMatchObject({ count: 1, sum: 1 });
    expect(await t.getValue('db.client.connection.timeouts', POOL)).toBe(2);
  });

  it('acquire() marks a connection used until release(), which records use time once', async () => {
    const pool = db.pool('main');
    pool.setUsed(2);
    const release = pool.acquire();
    expect(await t.getValue('db.client.connection.count', used)).toBe(3);
    t.clock.advance(0.125);
    release();
    release();
    expect(await t.getValue('db.client.connection.count', used)).toBe(2);
    expect(await t.getHistogram('db.client.connection.use_time', POOL)).toMatchObject({ count: 1, sum: 0.125 });
    // setUsed after acquire/release still lands on the absolute value.
    pool.setUsed(4);
    expect(await t.getValue('db.client.connection.count', used)).toBe(4);
  });

  it('drops a NaN pool value and keeps the last good one', async () => {
    const pool = db.pool('main');
    pool.setUsed(3);
    expect(() => pool.setUsed(Number.NaN)).not.toThrow();
    pool.setUsed(1);
    expect(await t.getValue('db.client.connection.count', used)).toBe(1);
  });
});
