/**
 * Labelled calls on label sets seen before keep nothing: the heap after GC is the same after a
 * million of them. Measured in a process of its own (`--expose-gc`) on the built package.
 */
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { ROOT } from '../../helpers/app-process.js';

const CHILD = `
import { createTestMetrics } from 'promkit/testing';
const t = createTestMetrics();
const labels = ['method', 'route', 'status'];
const counter = t.metrics.counter({ name: 'heap.requests', description: 'Requests.', labels });
const histogram = t.metrics.histogram({ name: 'heap.duration', description: 'Durations.', unit: 's', labels, buckets: [0.01, 0.1, 1] });
const gauge = t.metrics.gauge({ name: 'heap.depth', description: 'Depth.', labels });
const sets = [];
for (let i = 0; i < 128; i++) sets.push({ method: ['GET', 'POST'][i & 1], route: '/r' + (i >> 1), status: 200 + (i & 3) });
function run(n) {
  for (let i = 0; i < n; i++) {
    const l = sets[i & 127];
    counter.add(1, l);
    histogram.record((i & 1023) / 1000, l);
    gauge.set(i, l);
  }
}
function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}
run(200_000);
await t.collect();
const before = heapAfterGc();
run(1_000_000);
await t.collect();
const after = heapAfterGc();
const total = (await t.getValue('heap.requests', sets[0]));
process.stdout.write(JSON.stringify({ growth: after - before, total }));
`;

test('a million labelled add/record/set calls on existing label sets leave the heap after GC where it was', () => {
  const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const { growth, total } = JSON.parse(result.stdout) as { growth: number; total: number };
  // The first label set got every 128th call of each run: 1,563 of 200,000 and 7,813 of 1,000,000.
  expect(total).toBe(1_563 + 7_813);
  // Retaining even 8 bytes per call would be 24 MB; what is left is collection bookkeeping and JIT noise.
  expect(growth).toBeLessThan(256 * 1024);
}, 120_000);
