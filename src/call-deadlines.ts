import type { Clock, TimerHandle, TimerSet } from './clock.js';
import { MirrorTimeoutError } from './errors.js';

interface Pending {
  readonly op: string;
  readonly due: number;
  readonly reject: (err: Error) => void;
}

/**
 * Bounds calls in time without a timer per call: a call that settles at once (most do) costs a
 * set entry, not a timer. One sweep timer, armed while calls are pending, fails those past their
 * deadline with MirrorTimeoutError; a call fails between `ms` and `ms` plus a quarter of it.
 */
export class CallDeadlines {
  /** Insertion order is start order, and every call gets the same `ms`: the oldest is first. */
  readonly #pending = new Set<Pending>();
  #sweep: TimerHandle | undefined;

  constructor(
    private readonly timers: TimerSet,
    private readonly clock: Clock,
    readonly ms: number,
  ) {}

  /** `work`, or a MirrorTimeoutError naming `op` once it has taken longer than `ms`. */
  bound<T>(op: string, work: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { op, due: this.clock.now() + this.ms, reject };
      this.#pending.add(pending);
      this.#sweep ??= this.timers.interval(() => this.#expire(), Math.max(1, this.ms / 4));
      work.then(
        (value) => {
          if (this.#pending.delete(pending)) resolve(value);
        },
        (err: unknown) => {
          if (this.#pending.delete(pending)) reject(err as Error);
        },
      );
    });
  }

  get pending(): number {
    return this.#pending.size;
  }

  #expire(): void {
    const now = this.clock.now();
    for (const pending of this.#pending) {
      if (pending.due > now) break;
      this.#pending.delete(pending);
      pending.reject(new MirrorTimeoutError(pending.op, this.ms));
    }
    if (this.#pending.size === 0) {
      this.timers.clear(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
