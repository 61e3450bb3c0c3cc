import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTimer, trackActive, trackDuration, trackErrors } from '../../../src/facade/helpers.js';
import type { Counter, Histogram, UpDownCounter } from '../../../src/record/types.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
let duration: Histogram<'op'>;
let errors: Counter<'op' | 'error.type'>;
let active: UpDownCounter<'op'>;

beforeEach(() => {
  t = createTestMetrics();
  duration = t.metrics.histogram({ name: 'work.duration', description: 'Work.', unit: 's', labels: ['op'], buckets: [1, 5] });
  errors = t.metrics.counter({ name: 'work.errors', description: 'Work errors.', labels: ['op', 'error.type'] });
  active = t.metrics.upDownCounter({ name: 'work.active', description: 'Work in flight.', labels: ['op'] });
});
afterEach(async () => {
  await t.shutdown();
});

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sum = async (labels = { op: 'x' }) => (await t.getHistogram('work.duration', labels))?.sum;
const count = async (labels = { op: 'x' }) => (await t.getHistogram('work.duration', labels))?.count;

describe('trackDuration', () => {
  test('sync function: returns the value, keeps `this`, records seconds from the core clock', async () => {
    const target = {
      factor: 3,
      run: trackDuration(
        duration,
        function (this: { factor: number }, x: number) {
          t.clock.advance(0.25);
          return x * this.factor;
        },
        { op: 'x' },
      ),
    };
    expect(target.run(2)).toBe(6);
    expect(target.run(1)).toBe(3);
    expect(await count()).toBe(2);
    expect(await sum()).toBe(0.5);
  });

  test('sync function that throws: rethrows the same error and still records', async () => {
    const boom = new Error('boom');
    const run = trackDuration(duration, () => {
      t.clock.advance(2);
      throw boom;
    }, { op: 'x' });
    expect(() => run()).toThrow(boom);
    let caught: unknown;
    try {
      run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect(await sum()).toBe(4);
  });

  test('async function: resolves the value and records when it settles', async () => {
    const gate = deferred<void>();
    const run = trackDuration(duration, async function (this: { name: string }) {
      await gate.promise;
      return `done by ${this.name}`;
    }, { op: 'x' });
    const pending = run.call({ name: 'svc' });
    t.clock.advance(1.5);
    gate.resolve();
    expect(await pending).toBe('done by svc');
    expect(await sum()).toBe(1.5);
  });

  test('async function that rejects: rejects with the same error and records', async () => {
    const boom = new RangeError('late');
    const run = trackDuration(duration, async () => {
      t.clock.advance(3);
      throw boom;
    }, { op: 'x' });
    await expect(run()).rejects.toBe(boom);
    expect(await sum()).toBe(3);
  });

  test('a promise: resolves its value and records from the call to settlement', async () => {
    const work = deferred<number>();
    const tracked = trackDuration(duration, work.promise, { op: 'x' });
    t.clock.advance(0.75);
    work.resolve(42);
    expect(await tracked).toBe(42);
    const failing = deferred<number>();
    const boom = new Error('nope');
    const trackedFailure = trackDuration(duration, failing.promise, { op: 'x' });
    t.clock.advance(0.25);
    failing.reject(boom);
    await expect(trackedFailure).rejects.toBe(boom);
    expect(await sum()).toBe(1);
    expect(await count()).toBe(2);
  });
});

describe('trackErrors', () => {
  test('sync: counts throws with error.type from the error name, passes results through', async () => {
    const run = trackErrors(errors, (fail: boolean) => {
      if (fail) throw new TypeError('bad');
      return 'ok';
    }, { op: 'x' });
    expect(run(false)).toBe('ok');
    expect(() => run(true)).toThrow(TypeError);
    expect(() => run(true)).toThrow('bad');
    expect(await t.getValue('work.errors', { op: 'x', 'error.type': 'TypeError' })).toBe(2);
    expect(await t.getValue('work.errors', { op: 'x' })).toBeUndefined();
  });

  test('async and promise: error.type from `code`, "_OTHER" for non-errors, same rejection object', async () => {
    const refused = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const run = trackErrors(errors, async () => {
      throw refused;
    }, { op: 'x' });
    await expect(run()).rejects.toBe(refused);
    const thrown = 'a string';
    await expect(trackErrors(errors, Promise.reject(thrown), { op: 'x' })).rejects.toBe(thrown);
    expect(await trackErrors(errors, Promise.resolve(7), { op: 'x' })).toBe(7);
    expect(await t.getValue('work.errors', { op: 'x', 'error.type': 'ECONNREFUSED' })).toBe(1);
    expect(await t.getValue('work.errors', { op: 'x', 'error.type': '_OTHER' })).toBe(1);
  });

  test('a counter without error.type counts errors on its own labels', async () => {
    const failures = t.metrics.counter({ name: 'work.failures', description: 'Failures.', labels: ['op'] });
    const run = trackErrors(failures, () => {
      throw new Error('x');
    }, { op: 'y' });
    expect(() => run()).toThrow('x');
    expect(await t.getValue('work.failures', { op: 'y' })).toBe(1);
  });
});

describe('trackActive', () => {
  test('async function: counts in flight, back to 0 after success and after failure', async () => {
    const gate = deferred<void>();
    const run = trackActive(active, async (fail: boolean) => {
      await gate.promise;
      if (fail) throw new Error('fail');
      return 'ok';
    }, { op: 'x' });
    const a = run(false);
    const b = run(true);
    expect(await t.getValue('work.active', { op: 'x' })).toBe(2);
    gate.resolve();
    expect(await a).toBe('ok');
    await expect(b).rejects.toThrow('fail');
    expect(await t.getValue('work.active', { op: 'x' })).toBe(0);
  });

  test('a promise: 1 while pending, 0 once settled', async () => {
    const work = deferred<string>();
    const tracked = trackActive(active, work.promise, { op: 'x' });
    expect(await t.getValue('work.active', { op: 'x' })).toBe(1);
    work.resolve('v');
    expect(await tracked).toBe('v');
    expect(await t.getValue('work.active', { op: 'x' })).toBe(0);
  });

  test('sync function: +1 before the call and -1 after it, `this` kept, same error rethrown', async () => {
    const events: string[] = [];
    const spy: UpDownCounter<'op'> = {
      name: 'spy',
      add: () => {},
      bind: (labels) => ({ add: (v) => events.push(`${v > 0 ? '+' : ''}${v} ${JSON.stringify(labels)}`) }),
    };
    const boom = new Error('sync');
    const obj = {
      name: 'me',
      run: trackActive(spy, function (this: { name: string }, fail: boolean) {
        events.push('call');
        if (fail) throw boom;
        return this.name;
      }, { op: 'x' }),
    };
    expect(obj.run(false)).toBe('me');
    expect(() => obj.run(true)).toThrow(boom);
    expect(events).toEqual(['+1 {"op":"x"}', 'call', '-1 {"op":"x"}', '+1 {"op":"x"}', 'call', '-1 {"op":"x"}']);
    const real = trackActive(active, () => 'done', { op: 'x' });
    expect(real()).toBe('done');
    expect(await t.getValue('work.active', { op: 'x' })).toBe(0);
  });
});

describe('startTimer', () => {
  test('end() returns the seconds, merges end labels, and records only once', async () => {
    const h = t.metrics.histogram({ name: 'call.duration', description: 'Calls.', unit: 's', labels: ['op', 'status'], buckets: [1] });
    t.clock.set(100);
    const timer = startTimer(h, { op: 'x' });
    t.clock.advance(0.5);
    expect(timer.end({ status: 'ok' })).toBe(0.5);
    t.clock.advance(1);
    expect(timer.end({ status: 'late' })).toBe(0.5);
    expect(await t.getHistogram('call.duration', { op: 'x', status: 'ok' })).toEqual({
      count: 1,
      sum: 0.5,
      buckets: [
        { le: 1, count: 1 },
        { le: Infinity, count: 1 },
      ],
    });
    expect(await t.getHistogram('call.duration', { op: 'x', status: 'late' })).toBeUndefined();
  });

  test('end labels override start labels; no labels at all records unlabelled', async () => {
    const h = t.metrics.histogram({ name: 'call.duration', description: 'Calls.', unit: 's', labels: ['op'], buckets: [1] });
    const a = startTimer(h, { op: 'start' });
    t.clock.advance(2);
    a.end({ op: 'end' });
    const b = startTimer(h);
    t.clock.advance(0.25);
    b.end();
    expect((await t.getHistogram('call.duration', { op: 'end' }))?.sum).toBe(2);
    expect((await t.getHistogram('call.duration'))?.sum).toBe(0.25);
  });
});
