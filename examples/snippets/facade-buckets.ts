// docs/facade.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { metrics, start } from 'promkit';

// #region doc
await start({
  buckets: {
    'http.server.request.duration': [0.05, 0.1, 0.2, 0.4, 0.8],     // a full list
    'gen_ai.client.operation.duration': { slo: [3, 15] },          // merged into the defaults
  },
});
// #endregion doc

const handle = await start({
  buckets: {
    'http.server.request.duration': [0.05, 0.1, 0.2, 0.4, 0.8],
    'gen_ai.client.operation.duration': { slo: [3, 15] },
  },
});
metrics.http.recordServerRequest({ method: 'GET', route: '/', statusCode: 200, durationS: 0.3 });
const le = [...(await handle.scrape()).matchAll(/^http_server_request_duration_seconds_bucket\{[^}]*le="([^"]+)"\} (\d+)$/gm)].map((m) => `${m[1]}:${m[2]}`);
expect(le).toEqual(['0.05:0', '0.1:0', '0.2:0', '0.4:1', '0.8:1', '+Inf:1']);
await handle.shutdown();
