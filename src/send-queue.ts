import type { Clock, TimerHandle, TimerSet } from './clock.js';
import { SendTimeoutError } from './errors.js';

/** A send waiting for ws's callback; `done` once settled, timed out or failed by a close. */
export interface PendingSend {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
  done: boolean;
}

/** How far the head may run before the settled sends in front of it are dropped. */
const COMPACT_AT = 1024;

/**
 * One connection's sends not yet settled, oldest first, so deadlines ascend: one timer, armed for
 * the oldest, bounds them all instead of a timer per send. It stays armed as sends settle
 * (re-arming per send is the cost it exists to avoid); when it fires it rejects every send past
 * its deadline with SendTimeoutError and re-arms for the oldest left, if any.
 */
export class SendQueue {
  #sends: PendingSend[] = [];
  /** Entries before it are settled. */
  #head = 0;
  #timer: TimerHandle | undefined;

  constructor(
    private readonly timers: TimerSet,
    private readonly clock: Clock,
    readonly timeoutMs: number,
  ) {}

  /** A send made now. */
  add(resolve: () => void, reject: (error: Error) => void): PendingSend {
    const pending: PendingSend = { resolve, reject, deadline: this.clock.now() + this.timeoutMs, done: false };
    this.#sends.push(pending);
    if (this.#timer === undefined) this.#arm(this.timeoutMs);
    return pending;
  }

  /**
   * Marks `pending` settled; false if its deadline or a close came first. ws calls back in send
   * order, except for a send made once it has begun closing (an error on the next tick, ahead of
   * earlier writes): a send settled out of order is only marked, and the head skips it later.
   */
  take(pending: PendingSend): boolean {
    if (pending.done) return false;
    pending.done = true;
    this.#dropSettled();
    return true;
  }

  /** Rejects every pending send with `error()` and clears the timer. */
  close(error: () => Error): void {
    this.timers.clear(this.#timer);
    this.#timer = undefined;
    for (let i = this.#head; i < this.#sends.length; i++) {
      const pending = this.#sends[i]!;
      if (pending.done) continue;
      pending.done = true;
      pending.reject(error());
    }
    this.#sends = [];
    this.#head = 0;
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = this.clock.now();
    for (let i = this.#head; i < this.#sends.length; i++) {
      const pending = this.#sends[i]!;
      if (pending.done) continue;
      if (pending.deadline > now) break;
      pending.done = true;
      pending.reject(new SendTimeoutError(this.timeoutMs));
    }
    this.#dropSettled();
    const oldest = this.#sends[this.#head];
    // A timer may fire a little early by the clock's reading: never reject before the deadline.
    if (oldest) this.#arm(Math.max(1, Math.ceil(oldest.deadline - now)));
  };

  #arm(ms: number): void {
    this.#timer = this.timers.timeout(this.#expire, ms);
  }

  /** Moves the head past settled sends; an emptied queue restarts, a long-run head is compacted. */
  #dropSettled(): void {
    const sends = this.#sends;
    let head = this.#head;
    while (head < sends.length && sends[head]!.done) head++;
    if (head === sends.length) {
      sends.length = 0;
      head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= sends.length) {
      sends.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }
}
