import type { Clock } from '../contract/clock.js';
import { LIMIT_DEFAULTS } from './limit-defaults.js';

export interface RateLimiterOptions {
  readonly clock: Clock;
  /** Events allowed per key per second, sustained; also the burst. */
  readonly perSecond: number;
  /** Keys tracked at most; idle ones are dropped first. Default LIMIT_DEFAULTS.rateLimiterMaxKeys (10 000). */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (e.g. per IP), refilled from the clock when the key is next seen: no
 * timer, nothing to clear. The map is bounded: past `maxKeys`, full (idle) buckets are dropped;
 * if none is idle the oldest goes, which can only make the limiter more lenient, never stuck.
 */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #perSecond: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    this.#clock = options.clock;
    this.#perSecond = options.perSecond;
    this.#maxKeys = options.maxKeys ?? LIMIT_DEFAULTS.rateLimiterMaxKeys;
  }

  /** Takes one token for `key`; false when the key is over its rate. */
  take(key: string): boolean {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(now);
      bucket = { tokens: this.#perSecond, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.#perSecond >= this.#perSecond) this.#buckets.delete(key);
    }
    if (this.#buckets.size >= this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
  }
}
