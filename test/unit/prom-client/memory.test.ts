/**
 * Recording into existing label sets keeps nothing: heap after GC does not grow over 1M labelled
 * calls. A leak of even one small object per call would be over 16 MB here; the bound leaves room
 * for compiled code and V8's own bookkeeping, not for per-call garbage that survives.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from '../../../src/prom-client/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('1M inc/set/observe calls with labels on existing label sets leave the heap where it was', () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'C.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const gauge = new Gauge({ name: 'g', help: 'G.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const histogram = new Histogram({ name: 'h', help: 'H.', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const sets = Array.from({ length: 128 }, (_, i) => ({ method: ['GET', 'POST'][i % 2]!, route: `/r${i >> 1}`, status: ['200', '500'][(i >> 2) % 2]! }));
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const labels = sets[i & 127]!;
      counter.inc(labels, 1);
      gauge.set(labels, i);
      histogram.observe(labels, (i & 1023) / 1000);
    }
  };
  run(200_000); // creates every series and compiles the loop
  const before = heapAfterGc();
  run(1_000_000);
  const growth = heapAfterGc() - before;
  expect(growth).toBeLessThan(1_000_000);
  let total = 0;
  for (const series of counter.store.values()) total += series.value;
  expect(total).toBe(1_200_000);
  expect(counter.store.size).toBe(128);
});
