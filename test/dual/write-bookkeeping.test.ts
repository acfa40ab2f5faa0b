import { describe, expect, it } from 'vitest';
import { CallDeadlines } from '../../src/dual/call-deadlines.js';
import { MutedRecord } from '../../src/dual/connection-view.js';
import { ManualClock, TimerSet } from '../../src/contract/clock.js';
import { MirrorTimeoutError } from '../../src/contract/errors.js';
import { WriteTracker } from '../../src/dual/write-tracker.js';

// The dual-mode pool's per-write bookkeeping, on its own: what it promises the pool.
describe('WriteTracker', () => {
  it('delivers at once when no write runs', () => {
    const t = new WriteTracker();
    const got: string[] = [];
    t.defer(() => got.push('now'));
    expect(got).toEqual(['now']);
    expect(t.deferred).toBe(0);
  });

  it('waits for exactly the writes running when the delivery came, in any finishing order', () => {
    const t = new WriteTracker();
    const got: string[] = [];
    const a = t.begin();
    const b = t.begin();
    t.defer(() => got.push('after a, b'));
    const c = t.begin(); // began later: not waited for
    t.done(b);
    expect(got).toEqual([]);
    expect(t.running).toBe(2);
    t.done(a);
    expect(got).toEqual(['after a, b']);
    expect(t.running).toBe(1);
    t.done(c);
    expect(t.running).toBe(0);
  });

  it('keeps deliveries in order across epochs', () => {
    const t = new WriteTracker();
    const got: string[] = [];
    const a = t.begin();
    t.defer(() => got.push('first'));
    const b = t.begin();
    t.defer(() => got.push('second'));
    t.done(b); // 'second' still waits for a
    expect(got).toEqual([]);
    t.done(a);
    expect(got).toEqual(['first', 'second']);
  });

  it('hands out tickets in start order and flushes what waits on close', () => {
    const t = new WriteTracker();
    expect(t.next).toBe(0);
    const a = t.begin();
    expect(t.next).toBe(a + 1);
    const got: string[] = [];
    t.defer(() => got.push('x'));
    t.flushAll();
    expect(got).toEqual(['x']);
    expect(t.deferred).toBe(0);
  });
});

describe('CallDeadlines', () => {
  const never = new Promise<never>(() => undefined);

  it('fails a call that never settles between ms and 1.25 ms, then disarms its timer', async () => {
    const clock = new ManualClock();
    const timers = new TimerSet(clock);
    const deadlines = new CallDeadlines(timers, 1000);
    const failed = deadlines.bound('sendToPeer', never).catch((err: unknown) => err);
    expect(timers.size).toBe(1);
    clock.advance(999);
    await Promise.resolve();
    expect(deadlines.pending).toBe(1);
    clock.advance(251);
    const err = await failed;
    expect(err).toBeInstanceOf(MirrorTimeoutError);
    expect((err as MirrorTimeoutError).op).toBe('sendToPeer');
    expect(deadlines.pending).toBe(0);
    expect(timers.size).toBe(0);
  });

  it('passes a settled call through, value or error, and calls exactly one handler once', async () => {
    const clock = new ManualClock();
    const timers = new TimerSet(clock);
    const deadlines = new CallDeadlines(timers, 1000);
    await expect(deadlines.bound('a', Promise.resolve(7))).resolves.toBe(7);
    await expect(deadlines.bound('b', Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const calls: string[] = [];
    let settle!: (v: number) => void;
    deadlines.watch('c', new Promise<number>((r) => (settle = r)), (v) => calls.push(`value ${v}`), (e) => calls.push(e.name));
    clock.advance(2000); // times out first
    settle(1); // too late: ignored
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toEqual(['MirrorTimeoutError']);
    expect(deadlines.pending).toBe(0);
  });

  it('stays bounded under a stream of calls that settle in order', async () => {
    const clock = new ManualClock();
    const timers = new TimerSet(clock);
    const deadlines = new CallDeadlines(timers, 1000);
    for (let i = 0; i < 5000; i++) await deadlines.bound('s', Promise.resolve(i));
    expect(deadlines.pending).toBe(0);
    clock.advance(300);
    expect(timers.size).toBe(0);
  });
});

describe('MutedRecord', () => {
  it('counts every muted send and keeps the last 8, oldest first', () => {
    const r = new MutedRecord();
    for (let i = 0; i < 11; i++) r._sent(`frame-${i}`);
    expect(r.sends).toBe(11);
    expect(r.recent).toEqual(['frame-3', 'frame-4', 'frame-5', 'frame-6', 'frame-7', 'frame-8', 'frame-9', 'frame-10']);
    const few = new MutedRecord();
    few._sent('a');
    few._sent('b');
    expect(few.recent).toEqual(['a', 'b']);
  });
});
