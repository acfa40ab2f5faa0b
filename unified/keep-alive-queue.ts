import type { Clock, TimerHandle } from '../src/contract/clock.js';

/** What the queue keeps on each peer's own record. */
export interface KeepAliveItem {
  /** When its next ping is due. */
  keepAliveDue: number;
  /** Its place in the queue; -1 while not queued. */
  keepAlivePos: number;
}

/**
 * Every peer's keep-alive on one timer. With one interval for all, due times come in the order
 * peers joined: each joins at the tail, due one interval later, and once pinged goes back to the
 * tail due one interval after that, so a FIFO stays sorted with no heap. Each peer keeps the
 * cadence a timer of its own gave it (pings stay spread as the connects were), and a removal
 * empties the one slot the record points at: no per-peer timer to find and unlink in a table.
 */
export class KeepAliveQueue<T extends KeepAliveItem> {
  /** Slots from position `#base` on; a removed item leaves a hole. */
  #slots: (T | undefined)[] = [];
  #base = 0;
  #head = 0;
  #live = 0;
  #holes = 0;
  #timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly ping: (item: T) => void,
  ) {}

  add(item: T): void {
    item.keepAliveDue = this.clock.now() + this.intervalMs;
    this.#push(item);
    this.#live++;
    if (this.#timer === undefined) this.#arm(this.intervalMs);
  }

  /** Takes `item` out; idempotent. The queue holds no reference to it afterwards. */
  delete(item: T): void {
    const pos = item.keepAlivePos;
    if (pos < 0) return;
    item.keepAlivePos = -1;
    this.#slots[pos - this.#base] = undefined;
    if (--this.#live === 0) this.clear();
    // Holes are dropped as the head passes them; past four per item, all at once (amortized: an
    // item moves once per four removals), so a queue whose timer is late stays bounded.
    else if (++this.#holes > 4 * this.#live) this.#compact();
  }

  /** Clears the timer and forgets every item. */
  clear(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (let i = this.#head - this.#base; i < this.#slots.length; i++) {
      const item = this.#slots[i];
      if (item !== undefined) item.keepAlivePos = -1;
    }
    this.#slots = [];
    this.#base = this.#head = this.#live = this.#holes = 0;
  }

  /** Peers queued for a keep-alive. */
  get size(): number {
    return this.#live;
  }

  /** Timers held: one while any peer is queued. */
  get timers(): number {
    return this.#timer === undefined ? 0 : 1;
  }

  #push(item: T): void {
    item.keepAlivePos = this.#base + this.#slots.length;
    this.#slots.push(item);
  }

  #arm(ms: number): void {
    this.#timer = this.clock.setTimeout(() => this.#fire(), ms);
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.clock.now();
    const due: T[] = [];
    for (; this.#head < this.#base + this.#slots.length; this.#head++) {
      const item = this.#slots[this.#head - this.#base];
      if (item === undefined) {
        this.#holes--;
        continue;
      }
      const at = item.keepAliveDue;
      if (at > now) break;
      this.#slots[this.#head - this.#base] = undefined;
      // On the cadence; after a stall longer than an interval, one ping now rather than a burst.
      item.keepAliveDue = at + this.intervalMs > now ? at + this.intervalMs : now + this.intervalMs;
      this.#push(item);
      due.push(item);
    }
    const consumed = this.#head - this.#base;
    if (consumed > 1024 && 2 * consumed > this.#slots.length) {
      this.#slots = this.#slots.slice(consumed);
      this.#base = this.#head;
    }
    const next = this.#slots[this.#head - this.#base];
    // Rounded up: a timer that fires early only wakes up to find nothing due.
    if (next !== undefined) this.#arm(Math.ceil(next.keepAliveDue - now));
    // Last, since a ping may remove peers at once (which compacts the queue); skip any it removed.
    for (const item of due) if (item.keepAlivePos >= 0) this.ping(item);
  }

  /** Drops the holes: each item moves to its new slot. */
  #compact(): void {
    const items: T[] = [];
    for (let i = this.#head - this.#base; i < this.#slots.length; i++) {
      const item = this.#slots[i];
      if (item !== undefined) items.push(item);
    }
    this.#slots = [];
    this.#base = this.#head;
    for (const item of items) this.#push(item);
    this.#holes = 0;
  }
}
