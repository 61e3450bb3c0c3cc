// docs/domains.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();

// #region doc
import { metrics } from 'promkit';

metrics.http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.012 });
metrics.http.recordServerRequest({
  method: 'POST', route: '/events', statusCode: 202, durationS: 0.004,
  protocolVersion: '2', requestBodySize: 912, responseBodySize: 130,
});
metrics.http.recordClientRequest({ method: 'POST', serverAddress: 'api.example.com', statusCode: 503, durationS: 1.2 });
// #endregion doc

const text = await handle.scrape();
expect(text).toMatch(/^http_server_request_body_size_bytes_sum\{[^}]*http_route="\/events"[^}]*\} 912$/m);
expect(text).toMatch(/^http_client_request_duration_seconds_count\{[^}]*error_type="503"[^}]*\} 1$/m);
await handle.shutdown();
