// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();
const warnings: string[] = [];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string) => (warnings.push(String(chunk)), write(chunk))) as typeof process.stderr.write;

// #region doc
import client from 'promkit/prom-client';     // was: import client from 'prom-client'
client.collectDefaultMetrics();               // prom-client's default metrics: process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...
const requests = new client.Histogram({ name: 'http_request_duration_seconds', help: 'Requests.', labelNames: ['route'] });
// #endregion doc

requests.observe({ route: '/users/:id' }, 0.05);
const text = await handle.scrape();
expect(text).toContain('http_request_duration_seconds_count{route="/users/:id"} 1\n');
expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
expect(text).toMatch(/^process_cpu_seconds_total \d/m);
// Beside promkit's own runtime metrics: one process_start_time_seconds, no collision.
expect(text.match(/^process_start_time_seconds /gm)).toHaveLength(1);
expect(warnings.filter((line) => line.includes('name_collision'))).toEqual([]);
await handle.shutdown();
