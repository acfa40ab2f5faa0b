/**
 * Time, handed in. Components read the time and make timers only through a Clock, so a test can
 * drive the reaper and keep-alive with a ManualClock while the sockets stay real.
 */
export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** Read once: the getter costs as much as a third of now() itself, on every send. */
const timeOrigin = performance.timeOrigin;

/** Real time: monotonic (performance.now) but on the epoch scale, so values read as dates. */
export const systemClock: Clock = {
  now: () => timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

interface ManualTimer {
  readonly id: number;
  due: number;
  readonly every: number | undefined;
  readonly fn: () => void;
}

/** A clock that moves only when told to; `advance` fires due timers in time order. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { id: number }).id);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers.values()) if (t.due <= target && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.#now = Math.max(this.#now, next.due);
      if (next.every === undefined) this.#timers.delete(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), every, fn });
    return { id };
  }
}

/**
 * The timers one component made, so that `close()` clears all of them and a test can count
 * what is left.
 */
export class TimerSet {
  readonly #handles = new Set<TimerHandle>();
  constructor(private readonly clock: Clock) {}

  timeout(fn: () => void, ms: number): TimerHandle {
    const h: TimerHandle = this.clock.setTimeout(() => {
      this.#handles.delete(h);
      fn();
    }, ms);
    this.#handles.add(h);
    return h;
  }

  interval(fn: () => void, ms: number): TimerHandle {
    const h = this.clock.setInterval(fn, ms);
    this.#handles.add(h);
    return h;
  }

  clear(h: TimerHandle | undefined): void {
    if (h === undefined || !this.#handles.delete(h)) return;
    // clearTimeout and clearInterval are interchangeable in Node and in ManualClock.
    this.clock.clearTimeout(h);
  }

  clearAll(): void {
    for (const h of this.#handles) this.clock.clearTimeout(h);
    this.#handles.clear();
  }

  get size(): number {
    return this.#handles.size;
  }
}
