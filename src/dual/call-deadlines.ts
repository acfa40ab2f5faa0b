import type { TimerHandle, TimerSet } from '../contract/clock.js';
import { MirrorTimeoutError } from '../contract/errors.js';
import { SettledFifo } from '../util/settled-fifo.js';

/**
 * A call being bounded, told its outcome exactly once: `ok` with its value, or `fail` with its
 * error or a MirrorTimeoutError. A mirror call is its own record (MirrorCall): no record and no
 * pair of handler closures per call on the mirrored send path.
 */
export interface WatchedCall {
  readonly op: string;
  /** The sweep count when the call began: set by CallDeadlines. */
  tick: number;
  done: boolean;
  ok(value: unknown): void;
  fail(err: Error): void;
}

/** A call watched through `watch`: its handlers are the caller's closures. */
class HandledCall<T> implements WatchedCall {
  tick = 0;
  done = false;
  constructor(
    readonly op: string,
    readonly ok: (value: T) => void,
    readonly fail: (err: Error) => void,
  ) {}
}

/** Sweeps per timeout: a call fails between `ms` and `ms` plus a quarter of it. */
const SWEEPS = 4;

/**
 * Bounds calls in time without a timer per call, and without reading the clock per call (a
 * clock read and a Set entry keyed by a fresh object each cost about 100-200 ns, and this sits on
 * every mirrored send). One sweep timer, armed while calls are pending, runs every quarter of
 * `ms` and counts; a call still pending after SWEEPS + 1 sweeps fails with MirrorTimeoutError.
 */
export class CallDeadlines {
  /** Start order, so ticks ascend. */
  readonly #queue = new SettledFifo<WatchedCall>();
  #pending = 0;
  #tick = 0;
  #sweep: TimerHandle | undefined;

  constructor(
    private readonly timers: TimerSet,
    readonly ms: number,
  ) {}

  /** `work`, or a MirrorTimeoutError naming `op` once it has taken longer than `ms`. */
  bound<T>(op: string, work: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.watch(op, work, resolve, reject));
  }

  /**
   * `work`'s outcome to `onValue` or `onError`, or a MirrorTimeoutError to `onError` once it has
   * taken longer than `ms`: exactly one of them is called, once. No promise of its own.
   */
  watch<T>(op: string, work: PromiseLike<T>, onValue: (value: T) => void, onError: (err: Error) => void): void {
    this.track(new HandledCall(op, onValue, onError) as WatchedCall, work);
  }

  /** `work`'s outcome to `call.ok` or `call.fail`, or a MirrorTimeoutError to `call.fail` once it has taken longer than `ms`. */
  track(call: WatchedCall, work: PromiseLike<unknown>): void {
    call.tick = this.#tick;
    call.done = false;
    this.#queue.push(call);
    this.#pending++;
    this.#sweep ??= this.timers.interval(() => this.#expire(), Math.max(1, this.ms / SWEEPS));
    work.then(
      (value) => {
        if (this.#settle(call)) call.ok(value);
      },
      (err: unknown) => {
        if (this.#settle(call)) call.fail(err as Error);
      },
    );
  }

  /** Fails every pending call with `err` (its owner closes: no sweep will come to time them out). */
  cancelAll(err: Error): void {
    this.#queue.forEachPending((pending) => this.#fail(pending, err));
    this.#queue.clear();
    this.timers.clear(this.#sweep);
    this.#sweep = undefined;
  }

  get pending(): number {
    return this.#pending;
  }

  /**
   * Whether the oldest pending call has lived through `sweeps` sweeps (a quarter of `ms` each):
   * its callee is stuck (legacy deadlocked on its locks: L6), not merely slow.
   */
  stuck(sweeps = 2): boolean {
    if (this.#pending === 0) return false;
    const oldest = this.#queue.oldest();
    return oldest !== undefined && this.#tick - oldest.tick >= sweeps;
  }

  /** Where the sweep stands, for a process that seems stuck: a pending call older than SWEEPS + 1 sweeps while the sweep is armed would be a bug here. */
  describe(): { pending: number; sweeps: number; oldestOp: string | undefined; oldestAge: number | undefined; armed: boolean } {
    const oldest = this.#pending > 0 ? this.#queue.oldest() : undefined;
    return { pending: this.#pending, sweeps: this.#tick, oldestOp: oldest?.op, oldestAge: oldest ? this.#tick - oldest.tick : undefined, armed: this.#sweep !== undefined };
  }

  #settle(pending: WatchedCall): boolean {
    if (pending.done) return false;
    pending.done = true;
    this.#pending--;
    this.#queue.dropSettled();
    return true;
  }

  #fail(pending: WatchedCall, err: Error): void {
    pending.done = true;
    this.#pending--;
    pending.fail(err);
  }

  #expire(): void {
    this.#tick++;
    this.#queue.forEachPending((pending) => {
      if (this.#tick - pending.tick <= SWEEPS) return false;
      this.#fail(pending, new MirrorTimeoutError(pending.op, this.ms));
    });
    this.#queue.dropSettled();
    if (this.#pending === 0) {
      this.timers.clear(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
