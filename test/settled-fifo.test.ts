import { describe, expect, it } from 'vitest';
import { SettledFifo } from '../src/util/settled-fifo.js';

const item = (id: number) => ({ id, done: false });

describe('SettledFifo', () => {
  it('keeps the pending entries in order whatever order they settle in, across compactions', () => {
    const fifo = new SettledFifo<ReturnType<typeof item>>();
    const all = Array.from({ length: 3000 }, (_, i) => item(i));
    for (const x of all) fifo.push(x);
    // Settle the first 2,500 but two, out of order (evens, then odds): the head runs past 1,024 and compacts.
    for (const x of all.slice(0, 2500)) if (x.id % 2 === 0 && x.id !== 700) x.done = true;
    for (const x of all.slice(0, 2500)) if (x.id % 2 === 1 && x.id !== 1301) x.done = true;
    fifo.dropSettled();
    expect(fifo.oldest()?.id).toBe(700);
    all[700]!.done = true;
    expect(fifo.oldest()?.id).toBe(1301);
    all[1301]!.done = true;
    expect(fifo.oldest()?.id).toBe(2500);
    const seen: number[] = [];
    fifo.forEachPending((x) => {
      seen.push(x.id);
      return x.id < 2503;
    });
    expect(seen).toEqual([2500, 2501, 2502, 2503]);
    for (const x of all) x.done = true;
    expect(fifo.oldest()).toBeUndefined();
    fifo.push(item(9));
    expect(fifo.oldest()?.id).toBe(9);
    fifo.clear();
    expect(fifo.oldest()).toBeUndefined();
  });
});
