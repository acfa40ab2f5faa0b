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

  /** The timers made while marking (a reaper sample's re-added stale peers'), for `dropMarked`. */
  #marked: number[] | undefined;
  #marking = false;

  /** From now until `endMark`, remembers the timers made. */
  mark(): void {
    this.#marked = [];
    this.#marking = true;
  }

  endMark(): void {
    this.#marking = false;
  }

  /**
   * Drops, without running them, the remembered timers of period `ms` still parked. A timer here
   * never fires by itself: legacy's keep-alive task for a peer the reaper removed would have seen
   * it gone on its next tick and exited, and parked for good it held the peer's handle, view and
   * link (about 18 MB a 100k reaper sample in each pool holding legacy: 1.3 GB over a full run).
   */
  dropMarked(ms: number): number {
    let dropped = 0;
    for (const id of this.#marked ?? []) {
      const t = this.#timers.get(id);
      if (t?.ms === ms && this.#timers.delete(id)) dropped++;
    }
    this.#marked = undefined;
    return dropped;
  }

  #park(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, ms, fn });
    if (this.#marking) this.#marked?.push(id);
    return { id };
  }
}
