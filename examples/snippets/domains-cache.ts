// docs/domains.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { metrics, start } from 'promkit';

const handle = await start();
const store = new Map<number, string | undefined>([[1, 'ann']]);
const id = 1;

// #region doc
const users = metrics.cache('users');
const user = users.track('get', () => store.get(id), { hit: (value) => value !== undefined });
users.track('set', () => store.set(id, user)); // times the set; creates no hit or miss series
users.observe({ entries: () => store.size }); // read at each scrape
// #endregion doc

expect(user).toBe('ann');
const text = await handle.scrape();
expect(text).toContain('cache_hits_total{cache_name="users",cache_operation="get"} 1\n');
expect(text).not.toMatch(/^cache_(hits|misses)_total\{cache_name="users",cache_operation="set"\}/m);
expect(text).toMatch(/^cache_entries\{cache_name="users"\} 1$/m);
await handle.shutdown();
