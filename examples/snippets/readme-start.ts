// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';

// #region doc
import { start } from 'promkit';
const handle = await start({ port: 0, serviceName: 'checkout' });   // handle.url, handle.shutdown()
// #endregion doc

expect(handle.url).toMatch(/^http:\/\/localhost:\d+\/metrics$/);
expect(await handle.scrape()).toContain('service_name="checkout"');
await handle.shutdown();
