/**
 * Standard (TC39) method decorators. Vitest's transformer does not lower standard decorators and
 * Node does not parse them yet, so the `@` syntax lives in facade-decorators.fixture.ts (checked
 * by tsc), is compiled here with the TypeScript compiler (as a user's build would) and imported;
 * the other tests apply the decorators by hand, exactly as the compiled code calls them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { activeGauge, countErrors, timed } from '../../../src/facade/decorators.js';
import type { Counter, Histogram, UpDownCounter } from '../../../src/record/types.js';
import { createTestMetrics, type TestMetrics } from '../../../src/testing/index.js';

let t: TestMetrics;
let duration: Histogram<'op'>;
let errors: Counter<'op' | 'error.type'>;
let active: UpDownCounter<'op'>;

beforeEach(() => {
  t = createTestMetrics();
  duration = t.metrics.histogram({ name: 'svc.duration', description: 'Calls.', unit: 's', labels: ['op'], buckets: [1, 10] });
  errors = t.metrics.counter({ name: 'svc.errors', description: 'Failed calls.', labels: ['op', 'error.type'] });
  active = t.metrics.upDownCounter({ name: 'svc.active', description: 'Calls in flight.', labels: ['op'] });
});
afterEach(async () => {
  await t.shutdown();
});

test('@timed, @countErrors and @activeGauge compiled by TypeScript from real decorator syntax', async () => {
  const source = await readFile(new URL('./decorators.fixture.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: false },
  });
  expect(outputText).toContain('__esDecorate'); // lowered standard decorators, not the legacy kind
  const dir = await mkdtemp(join(tmpdir(), 'promkit-decorators-'));
  try {
    const file = join(dir, 'service.mjs');
    await writeFile(file, outputText);
    const { defineService } = (await import(pathToFileURL(file).href)) as typeof import('./decorators.fixture.js');
    const Service = defineService({ timed, countErrors, activeGauge }, { duration, errors, active, clock: t.clock });
    expect(Service.version()).toBe('1');
    const service = new Service();
    expect(service.multiply(4)).toBe(40);
    let thrown: unknown;
    try {
      service.multiply(-1);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    let release!: () => void;
    const pending = service.load(new Promise<void>((resolve) => (release = resolve)));
    expect(await t.getValue('svc.active', { op: 'async' })).toBe(1);
    release();
    expect(await pending).toBe(10);
    expect(await t.getValue('svc.active', { op: 'async' })).toBe(0);
    expect((await t.getHistogram('svc.duration', { op: 'sync' }))?.sum).toBe(1);
    expect((await t.getHistogram('svc.duration', { op: 'async' }))?.sum).toBe(2);
    expect((await t.getHistogram('svc.duration', { op: 'static' }))?.count).toBe(1);
    expect(await t.getValue('svc.errors', { op: 'sync', 'error.type': 'RangeError' })).toBe(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** What TypeScript passes a method decorator; only `kind` and `name` matter to ours. */
function methodContext<This>(name: string): ClassMethodDecoratorContext<This, never> {
  return { kind: 'method', name, static: false, private: false, access: { has: () => true, get: () => undefined as never }, addInitializer: () => {}, metadata: {} } as unknown as ClassMethodDecoratorContext<This, never>;
}

function decorate<T extends object, K extends keyof T & string>(
  target: T,
  key: K,
  decorator: (method: never, context: never) => unknown,
): void {
  const method = target[key];
  Object.defineProperty(target, key, { value: decorator(method as never, methodContext(key) as never), writable: true, configurable: true });
}

test('@timed on a sync method keeps `this` and the return value', async () => {
  class Prices {
    constructor(readonly rate: number) {}
    convert(amount: number): number {
      t.clock.advance(0.125);
      return amount * this.rate;
    }
  }
  decorate(Prices.prototype, 'convert', timed(duration, { op: 'convert' }));
  expect(new Prices(2).convert(21)).toBe(42);
  expect((await t.getHistogram('svc.duration', { op: 'convert' }))?.sum).toBe(0.125);
});

test('@countErrors on an async method rejects with the same error and counts it by type', async () => {
  const failure = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
  class Client {
    async fetch(): Promise<string> {
      throw failure;
    }
    async ok(): Promise<string> {
      return 'fine';
    }
  }
  decorate(Client.prototype, 'fetch', countErrors(errors, { op: 'fetch' }));
  decorate(Client.prototype, 'ok', countErrors(errors, { op: 'fetch' }));
  const client = new Client();
  await expect(client.fetch()).rejects.toBe(failure);
  expect(await client.ok()).toBe('fine');
  expect(await t.getValue('svc.errors', { op: 'fetch', 'error.type': 'ETIMEDOUT' })).toBe(1);
});

test('@activeGauge on an async method counts calls in flight and releases on failure', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  class Worker {
    async run(fail: boolean): Promise<void> {
      await gate;
      if (fail) throw new Error('failed');
    }
  }
  decorate(Worker.prototype, 'run', activeGauge(active, { op: 'run' }));
  const worker = new Worker();
  const a = worker.run(false);
  const b = worker.run(true);
  expect(await t.getValue('svc.active', { op: 'run' })).toBe(2);
  release();
  await a;
  await expect(b).rejects.toThrow('failed');
  expect(await t.getValue('svc.active', { op: 'run' })).toBe(0);
});
