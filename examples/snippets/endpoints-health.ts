// docs/endpoints.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { start } from 'promkit';
import { createManualClock } from 'promkit/testing';

const clock = createManualClock();

// #region doc
await start({
  health: {
    windowSeconds: 120,   // env PROMKIT_HEALTH_WINDOW_SECONDS, default 300
    minCalls: 50,         // env PROMKIT_HEALTH_MIN_CALLS, default 20
    yellow: 0.02,         // default 0.05
    red: 0.05,            // default 0.1
    clock,                // seconds, monotonic; tests pass createManualClock() from promkit/testing
  },
});
// #endregion doc

// The same options again return the running handle (docs/start.md).
const handle = await start({ health: { windowSeconds: 120, minCalls: 50, yellow: 0.02, red: 0.05, clock } });
const health = (await (await fetch(`${handle.url}/health`)).json()) as { windowSeconds: number };
expect(health.windowSeconds).toBe(120);
await handle.shutdown();
