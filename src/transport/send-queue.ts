import type { Clock, TimerHandle, TimerSet } from '../contract/clock.js';
import { SendTimeoutError } from '../contract/errors.js';
import { SettledFifo } from '../util/settled-fifo.js';

/** A send waiting for ws's callback; `done` once settled, timed out or failed by a close. */
export interface PendingSend {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
  done: boolean;
}

/**
 * One connection's sends not yet settled, oldest first, so deadlines ascend: one timer, armed for
 * the oldest, bounds them all instead of a timer per send. It stays armed as sends settle
 * (re-arming per send is the cost it exists to avoid); when it fires it rejects every send past
 * its deadline with SendTimeoutError and re-arms for the oldest left, if any.
 */
export class SendQueue {
  readonly #sends = new SettledFifo<PendingSend>();
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
    this.#sends.dropSettled();
    return true;
  }

  /** Rejects every pending send with `error()` and clears the timer. */
  close(error: () => Error): void {
    this.timers.clear(this.#timer);
    this.#timer = undefined;
    this.#sends.forEachPending((pending) => {
      pending.done = true;
      pending.reject(error());
    });
    this.#sends.clear();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = this.clock.now();
    this.#sends.forEachPending((pending) => {
      if (pending.deadline > now) return false;
      pending.done = true;
      pending.reject(new SendTimeoutError(this.timeoutMs));
    });
    const oldest = this.#sends.oldest();
    // A timer may fire a little early by the clock's reading: never reject before the deadline.
    if (oldest) this.#arm(Math.max(1, Math.ceil(oldest.deadline - now)));
  };

  #arm(ms: number): void {
    this.#timer = this.timers.timeout(this.#expire, ms);
  }
}
