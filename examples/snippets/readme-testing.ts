// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';

// #region doc
import { createTestMetrics } from 'promkit/testing';

const t = createTestMetrics(); // a full facade on an in-memory reader, catalogue views applied
t.metrics.cache('sessions').hit();
t.metrics.http.recordServerRequest({ method: 'GET', route: '/users/:id', statusCode: 200, durationS: 0.012 });
expect(await t.getValue('cache.hits', { 'cache.name': 'sessions', 'cache.operation': 'get' })).toBe(1);
const labels = { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 };
expect((await t.getHistogram('http.server.request.duration', labels))?.count).toBe(1);
expect(await t.scrapeText()).toContain('cache_hits_total');
t.clock.advance(0.25); // the facade's clock is a manual one: no sleeping tests
await t.shutdown();
// #endregion doc

// Nothing left to check: the block's own expect() calls throw when a value differs.
