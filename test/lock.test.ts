import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/contract/clock.js';
import { LockCanceledError } from '../src/contract/errors.js';
import { LockMonitor } from '../src/pool/lock.js';
import { LockWatchdog, type LockStallReport } from '../src/pool/lock-watchdog.js';
import { captureLogs } from './helpers/log-capture.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('RwLock', () => {
  it('lists exactly who holds, whatever the order of the releases; a second release changes nothing', async () => {
    const monitor = new LockMonitor(new ManualClock());
    const held = new Map<string, () => void>();
    for (const name of ['a', 'b', 'c', 'd', 'e']) held.set(name, await monitor.lock(name).read(`op-${name}`));
    // Middle first, then the last, then the first: each release moves another party's slot.
    for (const name of ['c', 'e', 'a', 'd', 'b']) {
      const release = held.get(name)!;
      release();
      held.delete(name);
      release();
      expect(monitor.holders().map((p) => p.lock).sort()).toEqual([...held.keys()].sort());
    }
    expect(monitor.stats()).toMatchObject({ acquisitions: 5, holders: [] });
  });

  it('lets readers share and makes a writer wait, counting acquisitions and contention', async () => {
    const clock = new ManualClock();
    const monitor = new LockMonitor(clock);
    const lock = monitor.lock('m');
    const r1 = await lock.read('a');
    const r2 = await lock.read('b');
    expect(monitor.stats()).toMatchObject({ acquisitions: 2, contended: 0, holders: ['a@m', 'b@m'] });
    let wrote = false;
    const w = lock.write('c').then((release) => {
      wrote = true;
      return release;
    });
    await flush();
    expect(wrote).toBe(false);
    expect(monitor.stats().waiters).toEqual(['c@m']);
    clock.advance(7);
    r1();
    r2();
    const release = await w;
    expect(wrote).toBe(true);
    expect(monitor.stats()).toMatchObject({ acquisitions: 3, contended: 1, waitMsTotal: 7, holders: ['c@m'], waiters: [] });
    clock.advance(3);
    release();
    release(); // idempotent
    expect(monitor.stats().heldMsTotal).toBe(3 + 7 + 7);
    expect(lock.isLocked).toBe(false);
  });

  it('is fair: a waiting writer blocks readers that come after it', async () => {
    const monitor = new LockMonitor(new ManualClock());
    const lock = monitor.lock('m');
    const order: string[] = [];
    const r1 = await lock.read('r1');
    const w = lock.write('w').then((rel) => (order.push('w'), rel));
    const r2 = lock.read('r2').then((rel) => (order.push('r2'), rel));
    await flush();
    expect(order).toEqual([]);
    r1();
    (await w)();
    (await r2)();
    expect(order).toEqual(['w', 'r2']);
  });

  it('cancels waiters with a typed error and leaves no waiter behind', async () => {
    const monitor = new LockMonitor(new ManualClock());
    const lock = monitor.lock('m');
    const held = await lock.write('holder');
    const waiting = lock.write('waiter');
    monitor.cancelAll();
    await expect(waiting).rejects.toBeInstanceOf(LockCanceledError);
    await expect(waiting).rejects.toMatchObject({ code: 'POOLSHIFT_ERR_LOCK_CANCELED' });
    expect(monitor.waiters()).toEqual([]);
    held();
    expect(monitor.holders()).toEqual([]);
  });
});

describe('LockWatchdog', () => {
  it('reports a wait past the bound once, naming who holds and who waits', async () => {
    const clock = new ManualClock();
    const monitor = new LockMonitor(clock);
    const a = monitor.lock('a');
    const b = monitor.lock('b');
    const reports: LockStallReport[] = [];
    const dog = new LockWatchdog({ monitor, boundMs: 1000, checkEveryMs: 100, onStall: (r) => reports.push(r) });
    dog.start();
    // The classic cycle: x holds a and wants b, y holds b and wants a.
    const xa = await a.write('x');
    const yb = await b.write('y');
    const xb = b.write('x');
    const ya = a.write('y');
    await flush();
    clock.advance(900);
    expect(reports).toEqual([]);
    clock.advance(300);
    expect(reports.map((r) => `${r.waiter.op} waits ${r.waiter.lock}`).sort()).toEqual(['x waits b', 'y waits a']);
    expect(reports[0]?.holders.map((h) => `${h.op}@${h.lock}`).sort()).toEqual(['x@a', 'y@b']);
    clock.advance(5000);
    expect(reports).toHaveLength(2);
    expect(dog.stalls).toBe(2);
    dog.stop();
    expect(dog.timers).toBe(0);
    monitor.cancelAll();
    await expect(xb).rejects.toBeInstanceOf(LockCanceledError);
    await expect(ya).rejects.toBeInstanceOf(LockCanceledError);
    xa();
    yb();
  });

  it('logs the time waited in whole ms (the system clock reads fractions of a ms)', async () => {
    const clock = new ManualClock();
    const log = captureLogs();
    const monitor = new LockMonitor(clock);
    const a = monitor.lock('a');
    const dog = new LockWatchdog({ monitor, boundMs: 1000, checkEveryMs: 100, logger: log.logger });
    dog.start();
    const held = await a.write('x');
    clock.advance(0.37);
    const waiting = a.write('y');
    await flush();
    clock.advance(1100);
    const stall = log.find(/lock wait exceeded bound/);
    expect(stall).toMatchObject({ level: 50, lock: 'a', op: 'y', waitedMs: 1100 });
    dog.stop();
    monitor.cancelAll();
    await expect(waiting).rejects.toBeInstanceOf(LockCanceledError);
    held();
  });
});
