import type { Clock, TimerHandle } from '../contract/clock.js';

interface ParkedTimer {
  readonly id: number;
  readonly ms: number;
  readonly fn: () => void;
}

/**
 * Real time, parked timers. `now()` reads the monotonic clock as the system clock does (so the
 * per-operation figures include the cost of reading the time, as in production), shifted by
 * `offset` so a benchmark can make peers look stale; timers are recorded but never fire on their
 * own, so no keep-alive ping or reaper pass lands in the middle of a measurement. `fire` runs a
 * parked timer on purpose (the legacy reaper is private and reachable only through its timer).
 */
export class BenchClock implements Clock {
  /** ms added to the real time. */
  offset = 0;
  #nextId = 1;
  readonly #timers = new Map<number, ParkedTimer>();
  readonly #origin = performance.timeOrigin;

  now(): number {
    return this.#origin + performance.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#park(fn, ms);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#park(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { id: number }).id);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Runs every parked timer of period `ms` (they stay parked). Returns how many ran. */
  fire(ms: number): number {
    let ran = 0;
    for (const t of [...this.#timers.values()]) {
      if (t.ms !== ms) continue;
      t.fn();
      ran++;
    }
    return ran;
  }

  #park(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, ms, fn });
    return { id };
  }
}
