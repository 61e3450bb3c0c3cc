// docs/endpoints.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { metrics, start, type MetricsSnapshot } from 'promkit';

metrics.circuitBreaker('pricing').setState('closed');

// #region doc
const handle = await start();
const snapshot: MetricsSnapshot = await handle.snapshot();                 // what /metrics/json serves
const breakers = await handle.snapshot({ names: ['circuit_breaker.state'] }); // as ?name=
// #endregion doc

expect(snapshot.schema).toBe('promkit.metrics/v1');
expect(breakers.metrics.map((metric) => metric.name)).toEqual(['circuit_breaker.state']);
await handle.shutdown();
