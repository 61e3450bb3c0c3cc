// docs/domains.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();
const fetchPrice = async (sku: string) => (sku === 'tea' ? 4.5 : 0);

// #region doc
import CircuitBreaker from 'opossum';
import { instrumentOpossum } from 'promkit/opossum';

const pricing = new CircuitBreaker(fetchPrice, { name: 'pricing', resetTimeout: 4000 });
instrumentOpossum(pricing, { critical: true }); // the service cannot answer without prices
// #endregion doc

expect(await pricing.fire('tea')).toBe(4.5);
const text = await handle.scrape();
expect(text).toContain('circuit_breaker_critical{circuit_breaker_name="pricing"} 1\n');
expect(text).toContain('circuit_breaker_call_duration_seconds_count{circuit_breaker_name="pricing",circuit_breaker_outcome="success"} 1\n');
await handle.shutdown();
