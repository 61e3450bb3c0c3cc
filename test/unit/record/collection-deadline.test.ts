import { describe, expect, test } from 'vitest';
import { collectWithin, settlesBeforeDeadline } from '../../../src/record/collection-deadline.js';

const never = new Promise<never>(() => undefined);

describe('collectWithin: the deadline of the collection in progress', () => {
  test('a callback that never settles is cut off at its own collection’s deadline, in overlapping collections', async () => {
    const [short, long] = await Promise.all([
      collectWithin(20, async () => settlesBeforeDeadline(never)),
      collectWithin(60, async () => [await settlesBeforeDeadline(Promise.resolve(1)), await settlesBeforeDeadline(never)]),
    ]);
    expect(short).toBe(false);
    expect(long).toEqual([true, false]);
  });

  test('after every collection settled no deadline is left behind, and the next collection has its own again', async () => {
    await collectWithin(10, async () => settlesBeforeDeadline(Promise.resolve()));
    // Outside a collection a callback is simply awaited: a slow one still counts as settled.
    const late = new Promise<void>((resolve) => setTimeout(resolve, 30));
    expect(await settlesBeforeDeadline(late)).toBe(true);
    expect(await collectWithin(10, async () => settlesBeforeDeadline(never))).toBe(false);
  });

  test('a collect function that throws at once still releases its deadline', async () => {
    expect(() =>
      collectWithin(10, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const late = new Promise<void>((resolve) => setTimeout(resolve, 30));
    expect(await settlesBeforeDeadline(late)).toBe(true);
  });
});
