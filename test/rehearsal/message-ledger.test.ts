import { describe, expect, it } from 'vitest';
import { MessageLedger } from '../../src/rehearsal/message-ledger.js';

describe('MessageLedger', () => {
  it('counts sent, delivered, lost and duplicated per (proposal, recipient)', () => {
    const l = new MessageLedger(100);
    l.proposed('p1', 'a', 1000);
    l.sent('p1', 'b');
    l.received('p1', 'b');
    l.sent('p1', 'c');
    l.proposed('p2', 'b', 1100);
    l.sent('p2', 'a');
    l.received('p2', 'a');
    l.received('p2', 'a');
    expect(l.counts()).toEqual({ sent: 3, delivered: 2, lost: 1, duplicated: 1 });
    // The lost one is named, for the node logs.
    expect(l.lost).toEqual([{ hash: 'p1', from: 'a', to: 'c', at: 1000 }]);
  });

  it('sets aside pairs whose sender or recipient was faulted while the message could be in flight', () => {
    const l = new MessageLedger(100);
    const w = l.openWindow('c', 2000);
    l.proposed('early', 'a', 1000);
    l.sent('early', 'c');
    l.received('early', 'c');
    l.proposed('during', 'a', 2050);
    l.sent('during', 'c');
    l.proposed('from-c', 'c', 1950);
    l.sent('from-c', 'b');
    w.to = 3000;
    l.proposed('after', 'a', 3500);
    l.sent('after', 'c');
    expect(l.counts()).toEqual({ sent: 2, delivered: 1, lost: 1, duplicated: 0 });
    expect(l.excluded).toBe(2);
  });

  it('leaves out proposals newer than the cut-off (still in flight)', () => {
    const l = new MessageLedger(100);
    l.proposed('p1', 'a', 1000);
    l.sent('p1', 'b');
    expect(l.counts(999)).toEqual({ sent: 0, delivered: 0, lost: 0, duplicated: 0 });
    expect(l.counts(1000).lost).toBe(1);
  });
});
