/** A write's place in start order, as `WriteTracker.begin` hands it out. */
export type WriteTicket = number;

interface Epoch {
  /** Tickets from `start` (inclusive) to `end` (exclusive) began in this epoch. */
  readonly start: number;
  readonly end: number;
  running: number;
}

/**
 * The dual-mode pool's writes in flight, and the deliveries that must wait for the writes running
 * when they arrived. It sits on every send and peerSeen, so the common case is a counter: writes
 * are grouped in epochs, and a new epoch starts only when something is deferred (rare: a close
 * reaching a legacy mirror while writes run). A Set of tickets cost about 0.5 us per write here.
 */
export class WriteTracker {
  #next = 0;
  #running = 0;
  /** The epoch writes start in now: its first ticket and how many of its writes still run. */
  #currentStart = 0;
  #current = 0;
  /** Older epochs with writes still running, oldest first. */
  #older: Epoch[] = [];
  /** Deliveries waiting for every write with a ticket below `before`. */
  #deferred: { readonly before: number; readonly deliver: () => void }[] = [];

  begin(): WriteTicket {
    this.#running++;
    this.#current++;
    return this.#next++;
  }

  done(ticket: WriteTicket): void {
    this.#running--;
    if (ticket >= this.#currentStart) {
      this.#current--;
      return;
    }
    const i = this.#older.findIndex((e) => ticket >= e.start && ticket < e.end);
    if (i < 0) return;
    const epoch = this.#older[i]!;
    if (--epoch.running === 0) {
      this.#older.splice(i, 1);
      this.#flush();
    }
  }

  /** `deliver` now if no write is running, else once every write running now has finished. */
  defer(deliver: () => void): void {
    if (this.#running === 0) {
      deliver();
      return;
    }
    if (this.#current > 0) {
      this.#older.push({ start: this.#currentStart, end: this.#next, running: this.#current });
      this.#currentStart = this.#next;
      this.#current = 0;
    }
    this.#deferred.push({ before: this.#next, deliver });
  }

  /** Writes running now. */
  get running(): number {
    return this.#running;
  }

  /** Deliveries waiting. */
  get deferred(): number {
    return this.#deferred.length;
  }

  /** The ticket the next write will get: a write with a ticket below it began before now. */
  get next(): WriteTicket {
    return this.#next;
  }

  /** Delivers everything still waiting (the pool is closing). */
  flushAll(): void {
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const { deliver } of deferred) deliver();
  }

  #flush(): void {
    const oldest = this.#older[0]?.start ?? Infinity;
    let due = 0;
    while (due < this.#deferred.length && this.#deferred[due]!.before <= oldest) due++;
    if (due === 0) return;
    for (const { deliver } of this.#deferred.splice(0, due)) deliver();
  }
}
