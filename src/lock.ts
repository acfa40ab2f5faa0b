import { EventEmitter } from 'node:events';
import { Semaphore } from 'async-mutex';
import type { Clock } from './clock.js';
import { LockCanceledError } from './errors.js';
import type { LockStats } from './types.js';

export type LockMode = 'read' | 'write';
export type Release = () => void;

export interface LockParty {
  readonly lock: string;
  readonly op: string;
  readonly mode: LockMode;
  /** Clock time the hold or the wait began. */
  readonly since: number;
}

export interface LockMonitorEvents {
  /** Emitted synchronously as a lock is granted, before the holder resumes. */
  acquired: [party: LockParty];
  released: [party: LockParty, heldMs: number];
}

/**
 * A write takes every permit, a read one: async-mutex's weighted Semaphore is then a fair RW lock.
 * Kept small: async-mutex walks every permit value on each release (`_drainUnlockWaiters`), so
 * 1 << 20 cost about a million iterations per release and saturated the event loop under load (the
 * soak found it). 4096 concurrent readers of one lock is far past anything a pool does; a reader
 * past it waits its turn, it does not fail.
 */
const WRITE_WEIGHT = 1 << 12;

/**
 * The locks of one component and their figures: acquisitions, waits, holds, and who holds or
 * waits right now, by operation name. "Lock acquisitions per send" is read off here.
 */
export class LockMonitor extends EventEmitter<LockMonitorEvents> {
  acquisitions = 0;
  contended = 0;
  waitMsTotal = 0;
  heldMsTotal = 0;
  readonly #holders = new Set<LockParty>();
  readonly #waiters = new Set<LockParty>();
  readonly #locks = new Set<RwLock>();

  constructor(readonly clock: Clock) {
    super();
  }

  /** A new lock reporting to this monitor. */
  lock(name: string): RwLock {
    const lock = new RwLock(name, this);
    this.#locks.add(lock);
    return lock;
  }

  /** Forgets a lock (a per-connection lock whose connection is gone). */
  forget(lock: RwLock): void {
    this.#locks.delete(lock);
  }

  holders(): LockParty[] {
    return [...this.#holders];
  }

  waiters(): LockParty[] {
    return [...this.#waiters];
  }

  stats(): LockStats {
    return {
      acquisitions: this.acquisitions,
      contended: this.contended,
      waitMsTotal: this.waitMsTotal,
      heldMsTotal: this.heldMsTotal,
      holders: [...this.#holders].map((p) => `${p.op}@${p.lock}`),
      waiters: [...this.#waiters].map((p) => `${p.op}@${p.lock}`),
    };
  }

  /** Rejects every pending wait with LockCanceledError: how a closing owner escapes a deadlock. */
  cancelAll(): void {
    for (const lock of this.#locks) lock.cancel();
  }

  /** @internal */
  _wait(party: LockParty): void {
    this.#waiters.add(party);
  }

  /** @internal */
  _granted(party: LockParty, waited: boolean): LockParty {
    this.acquisitions++;
    const now = this.clock.now();
    if (waited) {
      this.#waiters.delete(party);
      this.contended++;
      this.waitMsTotal += now - party.since;
    }
    const holder = waited ? { ...party, since: now } : party;
    this.#holders.add(holder);
    this.emit('acquired', holder);
    return holder;
  }

  /** @internal */
  _canceled(party: LockParty): void {
    this.#waiters.delete(party);
  }

  /** @internal */
  _released(holder: LockParty): void {
    if (!this.#holders.delete(holder)) return;
    const held = this.clock.now() - holder.since;
    this.heldMsTotal += held;
    this.emit('released', holder, held);
  }
}

/**
 * An async read/write lock, fair (first come, first served, so a waiting writer blocks later
 * readers, as tokio's RwLock does). Every acquisition names its operation.
 */
export class RwLock {
  readonly #sem: Semaphore;
  #waiting = 0;

  constructor(
    readonly name: string,
    private readonly monitor: LockMonitor,
  ) {
    this.#sem = new Semaphore(WRITE_WEIGHT, new LockCanceledError(name));
  }

  read(op: string): Promise<Release> {
    return this.#acquire(op, 'read', 1);
  }

  write(op: string): Promise<Release> {
    return this.#acquire(op, 'write', WRITE_WEIGHT);
  }

  get isLocked(): boolean {
    return this.#sem.getValue() < WRITE_WEIGHT;
  }

  cancel(): void {
    this.#sem.cancel();
  }

  async #acquire(op: string, mode: LockMode, weight: number): Promise<Release> {
    const party: LockParty = { lock: this.name, op, mode, since: this.monitor.clock.now() };
    // Granted at once only if nobody queues ahead and the permits are free (no barging).
    const waited = this.#waiting > 0 || this.#sem.getValue() < weight;
    if (waited) {
      this.#waiting++;
      this.monitor._wait(party);
    }
    let release: Release;
    try {
      [, release] = await this.#sem.acquire(weight);
    } catch (err) {
      this.monitor._canceled(party);
      throw err instanceof LockCanceledError ? new LockCanceledError(this.name) : err;
    } finally {
      if (waited) this.#waiting--;
    }
    const holder = this.monitor._granted(party, waited);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.monitor._released(holder);
      release();
    };
  }
}
