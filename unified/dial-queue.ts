import { formatAddress } from '../src/contract/address.js';
import { TimerSet, type Clock } from '../src/contract/clock.js';
import type { DialResult, Dialer } from '../src/contract/connection.js';
import { DialQueueFullError, DialTimeoutError, PoolClosedError } from '../src/contract/errors.js';
import type { PeerAddress } from '../src/contract/types.js';

export interface DialQueueOptions {
  readonly dialer: Dialer;
  readonly clock: Clock;
  /** Dials running at once. */
  readonly concurrency: number;
  /** Dials waiting for a slot; one more is refused with DialQueueFullError. */
  readonly maxQueued: number;
  /** Each dial, from the moment it runs; on expiry the caller gets DialTimeoutError. */
  readonly timeoutMs: number;
}

interface Job {
  readonly address: PeerAddress;
  resolve(result: DialResult): void;
  reject(error: Error): void;
}

/**
 * Outbound dials, bounded: at most `concurrency` run, at most `maxQueued` wait (first come, first
 * served), each runs under a timeout on the pool's clock. A dial that answers after its timeout
 * is closed with `timeout`: its slot was already given to the next one, and nobody owns it.
 */
export class DialQueue {
  readonly #options: DialQueueOptions;
  readonly #timers: TimerSet;
  readonly #queue: Job[] = [];
  #running = 0;
  #closed = false;

  constructor(options: DialQueueOptions) {
    this.#options = options;
    this.#timers = new TimerSet(options.clock);
  }

  /** Dials running and waiting. */
  get size(): number {
    return this.#running + this.#queue.length;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Timers held (one per running dial). */
  get timers(): number {
    return this.#timers.size;
  }

  dial(address: PeerAddress): Promise<DialResult> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (this.#running >= this.#options.concurrency && this.#queue.length >= this.#options.maxQueued) {
      return Promise.reject(new DialQueueFullError(formatAddress(address), this.#queue.length));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ address, resolve, reject });
      this.#next();
    });
  }

  /** Rejects every waiting dial and clears the timers; running dials are closed when they answer. */
  close(): void {
    this.#closed = true;
    this.#timers.clearAll();
    for (const job of this.#queue.splice(0)) job.reject(new PoolClosedError());
  }

  #next(): void {
    while (!this.#closed && this.#running < this.#options.concurrency) {
      const job = this.#queue.shift();
      if (!job) return;
      this.#run(job);
    }
  }

  #run(job: Job): void {
    this.#running++;
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      this.#timers.clear(timer);
      this.#running--;
      this.#next();
      return true;
    };
    const { timeoutMs } = this.#options;
    const timer = this.#timers.timeout(() => {
      if (finish()) job.reject(new DialTimeoutError(formatAddress(job.address), timeoutMs));
    }, timeoutMs);
    let dialling: Promise<DialResult>;
    try {
      dialling = this.#options.dialer(job.address);
    } catch (err) {
      dialling = Promise.reject(err as Error);
    }
    dialling.then(
      (result) => {
        if (finish() && !this.#closed) job.resolve(result);
        else {
          // Too late (timed out, or the pool closed meanwhile): close what nobody will own.
          result.connection.close(this.#closed ? 'shutdown' : 'timeout');
          if (this.#closed) job.reject(new PoolClosedError());
        }
      },
      (err: unknown) => {
        if (finish()) job.reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }
}
