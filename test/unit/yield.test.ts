import { describe, expect, it } from 'vitest';
import { yieldToLoop } from '../../src/yield.js';
import { afterIo, dueTimer } from '../helpers/loop-phases.js';

describe('yieldToLoop', () => {
  it('lets a due timer run when called from an I/O callback, where one setImmediate would not', async () => {
    await afterIo();
    const timer = dueTimer();
    await yieldToLoop();
    expect(timer.fired()).toBe(true);
  });

  it('lets a due timer run when called from the check phase', async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const timer = dueTimer();
    await yieldToLoop();
    expect(timer.fired()).toBe(true);
  });
});
