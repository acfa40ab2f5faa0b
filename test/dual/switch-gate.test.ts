// The switch gate alone: operations counted in and out, a mode switch that waits for them to leave
// and holds new ones back until it reopens, switches one at a time, and shut() as the way out.
import { describe, expect, it } from 'vitest';
import { PoolClosedError } from '../../src/contract/errors.js';
import { SwitchGate } from '../../src/dual/switch-gate.js';

/** Lets every queued promise callback run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A promise whose state the test can read without awaiting it. */
function track<T>(p: Promise<T>): { readonly state: () => 'pending' | 'resolved' | 'rejected'; readonly value: () => T | undefined; readonly error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      state = 'resolved';
      value = v;
    },
    (e: unknown) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, value: () => value, error: () => error };
}

describe('SwitchGate', () => {
  it('counts operations in and out while open', async () => {
    const gate = new SwitchGate();
    expect(gate.inside).toBe(0);
    expect(gate.enter()).toBe(true);
    expect(gate.enter()).toBe(true);
    await gate.entered();
    expect(gate.inside).toBe(3);
    gate.leave();
    expect(gate.inside).toBe(2);
    gate.leave();
    gate.leave();
    expect(gate.inside).toBe(0);
    expect(gate.waiters).toBe(0);
  });

  it('a switch waits for the operations inside to leave', async () => {
    const gate = new SwitchGate();
    gate.enter();
    gate.enter();
    const closing = track(gate.closeForSwitch());
    await flush();
    expect(closing.state()).toBe('pending');
    expect(gate.waiters).toBe(1); // the switch, waiting to drain
    gate.leave();
    await flush();
    expect(closing.state()).toBe('pending');
    gate.leave();
    await flush();
    expect(closing.state()).toBe('resolved');
    expect(gate.waiters).toBe(0);
    closing.value()!();
  });

  it('operations arriving during a switch wait for it, then enter in order', async () => {
    const gate = new SwitchGate();
    gate.enter();
    const closing = track(gate.closeForSwitch());
    await flush();
    // The switch is draining: a newcomer does not slip in ahead of it.
    expect(gate.enter()).toBe(false);
    const order: number[] = [];
    const first = gate.entered().then(() => order.push(1));
    const second = gate.entered().then(() => order.push(2));
    gate.leave();
    await flush();
    expect(closing.state()).toBe('resolved');
    // Closed for the switch: nobody enters.
    expect(gate.enter()).toBe(false);
    expect(gate.inside).toBe(0);
    expect(gate.waiters).toBe(2);
    expect(order).toEqual([]);
    closing.value()!();
    await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
    expect(gate.inside).toBe(2);
    expect(gate.waiters).toBe(0);
    expect(gate.enter()).toBe(true);
  });

  it('reopening twice is harmless', async () => {
    const gate = new SwitchGate();
    const reopen = await gate.closeForSwitch();
    reopen();
    const next = track(gate.closeForSwitch());
    await flush();
    expect(next.state()).toBe('resolved');
    reopen(); // the first switch's reopen again: must not open the second switch's gate
    expect(gate.enter()).toBe(false);
    next.value()!();
    expect(gate.enter()).toBe(true);
  });

  it('switches run one at a time', async () => {
    const gate = new SwitchGate();
    const reopenFirst = await gate.closeForSwitch();
    const second = track(gate.closeForSwitch());
    const third = track(gate.closeForSwitch());
    await flush();
    expect(second.state()).toBe('pending');
    expect(third.state()).toBe('pending');
    reopenFirst();
    await flush();
    expect(second.state()).toBe('resolved');
    expect(third.state()).toBe('pending');
    second.value()!();
    await flush();
    expect(third.state()).toBe('resolved');
    third.value()!();
    expect(gate.enter()).toBe(true);
  });

  it('a switch queued behind another also waits for the operations let in between', async () => {
    const gate = new SwitchGate();
    const reopenFirst = await gate.closeForSwitch();
    const waiting = gate.entered();
    const second = track(gate.closeForSwitch());
    reopenFirst();
    await waiting;
    expect(gate.inside).toBe(1);
    await flush();
    expect(second.state()).toBe('pending');
    gate.leave();
    await flush();
    expect(second.state()).toBe('resolved');
    second.value()!();
  });

  it('shut rejects the waiting operations and the draining switch, and everything after', async () => {
    const gate = new SwitchGate();
    gate.enter();
    const draining = track(gate.closeForSwitch());
    const queuedSwitch = track(gate.closeForSwitch());
    await flush();
    const op = track(gate.entered());
    await flush();
    expect(draining.state()).toBe('pending');
    expect(op.state()).toBe('pending');
    expect(gate.waiters).toBe(2);
    gate.shut();
    await flush();
    expect(op.state()).toBe('rejected');
    expect(op.error()).toBeInstanceOf(PoolClosedError);
    expect(draining.state()).toBe('rejected');
    expect(draining.error()).toBeInstanceOf(PoolClosedError);
    expect(queuedSwitch.state()).toBe('rejected');
    expect(queuedSwitch.error()).toBeInstanceOf(PoolClosedError);
    expect(gate.waiters).toBe(0);
    expect(gate.enter()).toBe(false);
    await expect(gate.entered()).rejects.toBeInstanceOf(PoolClosedError);
    await expect(gate.closeForSwitch()).rejects.toBeInstanceOf(PoolClosedError);
    gate.shut(); // twice: no throw
  });
});
