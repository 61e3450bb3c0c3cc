// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();

// #region doc
import { metrics } from 'promkit';

const orders = metrics.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['channel'] });
orders.add(1, { channel: 'web' });          // scraped as orders_placed_total{channel="web"} 1
// #endregion doc

expect(await handle.scrape()).toContain('orders_placed_total{channel="web"} 1\n');
await handle.shutdown();
