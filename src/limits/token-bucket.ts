/**
 * One token bucket: `ratePerSecond` tokens a second, holding at most `burst`, refilled from the
 * time handed to `take` (no timer, nothing to clear). Starts full. A cost larger than the burst
 * is taken from a full bucket and leaves it in debt, so that no single item is refused forever.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #at: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** The tokens held at `now` (refilled first). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Whether `cost` tokens are there at `now`; nothing is taken. */
  has(cost: number, now: number): boolean {
    this.#refill(now);
    return this.#tokens >= Math.min(cost, this.burst);
  }

  /** Takes `cost` tokens unchecked (call `has` first): the bucket may go into debt. */
  spend(cost: number): void {
    this.#tokens -= cost;
  }

  #refill(now: number): void {
    if (now <= this.#at) return;
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.ratePerSecond) / 1000);
    this.#at = now;
  }
}
