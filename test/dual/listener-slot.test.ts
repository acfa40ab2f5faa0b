import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { addListener, emitTo, listenerCount, removeListener, type Listener, type ListenerSlot } from '../../src/dual/listener-slot.js';

/** A slot held in a field, as a connection view holds one. */
class Holder {
  slot: ListenerSlot;
  on(fn: Listener): void {
    this.slot = addListener(this.slot, fn);
  }
  off(fn: Listener): void {
    this.slot = removeListener(this.slot, fn);
  }
  emit(...args: unknown[]): void {
    emitTo(this.slot, this, args);
  }
}

/** The same script run against a slot and against an EventEmitter: what was called, in order. */
function both(script: (on: (fn: Listener) => void, off: (fn: Listener) => void, emit: (...args: unknown[]) => void, log: string[]) => void): [string[], string[]] {
  const h = new Holder();
  const slotLog: string[] = [];
  script((fn) => h.on(fn), (fn) => h.off(fn), (...a) => h.emit(...a), slotLog);
  const e = new EventEmitter();
  const emitterLog: string[] = [];
  script((fn) => e.on('x', fn), (fn) => e.off('x', fn), (...a) => e.emit('x', ...a), emitterLog);
  return [slotLog, emitterLog];
}

describe('listener slot', () => {
  it('holds nothing, then the function, then an array, and counts them', () => {
    const h = new Holder();
    const a = (): void => undefined;
    const b = (): void => undefined;
    expect(listenerCount(h.slot)).toBe(0);
    h.on(a);
    expect(h.slot).toBe(a);
    h.on(b);
    expect(h.slot).toEqual([a, b]);
    expect(listenerCount(h.slot)).toBe(2);
    h.off(a);
    expect(h.slot).toBe(b);
    h.off(b);
    expect(h.slot).toBeUndefined();
    h.off(b); // not there: no change, no throw
    expect(listenerCount(h.slot)).toBe(0);
  });

  it('calls listeners in the order added, with the arguments, as an emitter does', () => {
    const [slot, emitter] = both((on, _off, emit, log) => {
      on((...a) => log.push(`a${a.join(',')}`));
      on((...a) => log.push(`b${a.join(',')}`));
      on((...a) => log.push(`c${a.join(',')}`));
      emit(1, 'r');
      emit();
    });
    expect(slot).toEqual(['a1,r', 'b1,r', 'c1,r', 'a', 'b', 'c']);
    expect(slot).toEqual(emitter);
  });

  it('an emission is not changed by listeners added or removed while it runs, as with an emitter', () => {
    const [slot, emitter] = both((on, off, emit, log) => {
      const late = (): void => void log.push('late');
      const second = (): void => void log.push('second');
      on(() => {
        log.push('first');
        off(second);
        on(late);
      });
      on(second);
      emit();
      emit();
    });
    expect(slot).toEqual(['first', 'second', 'first', 'late']);
    expect(slot).toEqual(emitter);
  });

  it('removes the most recently added instance of a listener added twice, as an emitter does', () => {
    const [slot, emitter] = both((on, off, emit, log) => {
      const twice = (): void => void log.push('twice');
      on(twice);
      on(() => log.push('middle'));
      on(twice);
      off(twice);
      emit();
    });
    expect(slot).toEqual(['twice', 'middle']);
    expect(slot).toEqual(emitter);
  });

  it('a listener that throws stops the emission and the error reaches the caller', () => {
    const h = new Holder();
    const log: string[] = [];
    h.on(() => {
      throw new Error('boom');
    });
    h.on(() => log.push('after'));
    expect(() => h.emit()).toThrow('boom');
    expect(log).toEqual([]);
  });

  it('calls each listener with the holder as `this`', () => {
    const h = new Holder();
    const selves: unknown[] = [];
    h.on(function (this: unknown) {
      selves.push(this);
    });
    h.emit();
    expect(selves).toEqual([h]);
  });
});
