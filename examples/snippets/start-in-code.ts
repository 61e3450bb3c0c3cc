// docs/start.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
const logged: unknown[] = [];
const log = console.log;
console.log = (...values: unknown[]) => void logged.push(...values);

// #region doc
import { start } from 'promkit';

const handle = await start({ port: 0, serviceName: 'checkout' });
console.log(handle.url); // http://localhost:41234/metrics (the bound port)
await handle.shutdown();
// #endregion doc

console.log = log;
expect(logged).toEqual([expect.stringMatching(/^http:\/\/localhost:\d+\/metrics$/)]);
