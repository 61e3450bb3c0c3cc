// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { expect } from 'vitest';
import { metrics } from 'promkit';

// promkit says where it serves on the app's diag logger once the SDK builds its provider.
const lines: string[] = [];
const log = (message: string) => void lines.push(message);
diag.setLogger({ error: log, warn: log, info: log, debug: () => {}, verbose: () => {} }, DiagLogLevel.INFO);

// #region doc
import { NodeSDK } from '@opentelemetry/sdk-node';
import { promkitReader, promkitViews } from 'promkit';

new NodeSDK({ views: promkitViews(), metricReaders: [promkitReader()] }).start();
// #endregion doc

let url: string | undefined;
for (let i = 0; i < 100 && url === undefined; i++) {
  url = lines.map((line) => /serving metrics at (\S+)/.exec(line)?.[1]).find((found) => found !== undefined);
  if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
}
metrics.counter({ name: 'orders.placed', description: 'Orders placed.' }).add(2);
expect(await (await fetch(url!)).text()).toContain('orders_placed_total 2\n');
process.exit(0);
