// docs/migrating-from-prom-client.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it check that it did what the doc says.
import { expect } from 'vitest';
import { Counter, Registry } from 'promkit/prom-client';

// #region doc
import { configure } from 'promkit/prom-client';
configure({ invalidInput: 'drop' });
// #endregion doc

const registry = new Registry();
const counter = new Counter({ name: 'configured_total', help: 'A counter.', labelNames: ['a'], registers: [registry] });
counter.inc(-1); // dropped and counted instead of thrown
counter.inc({ a: 'x' }, 2);
expect(await registry.metrics()).toContain('configured_total{a="x"} 2\n');
configure({ invalidInput: 'throw' });
expect(() => counter.inc(-1)).toThrow();
