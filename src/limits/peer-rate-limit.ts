import { ConfigError } from '../contract/errors.js';
import { LIMIT_DEFAULTS } from './limit-defaults.js';
import { TokenBucket } from './token-bucket.js';

/**
 * What one peer connection may send us: two token buckets (frames and bytes a second, each with
 * a burst) and how long it may stay over them before it is disconnected. Every field has a
 * default (limit-defaults.ts). `Infinity` turns a rate (or the disconnect) off; 0 is refused, not
 * read as "off": a rate of 0 would drop every frame.
 */
export interface PeerRateLimitOptions {
  /** Frames a second, sustained. Infinity: frames are not counted. */
  readonly messagesPerSecond?: number;
  /** Frames that may arrive at once on top of the rate (the bucket's size). At least 1. */
  readonly messageBurst?: number;
  /** Payload bytes a second, sustained. Infinity: bytes are not counted. */
  readonly bytesPerSecond?: number;
  /** Payload bytes that may arrive at once. A frame larger than this passes from a full bucket. */
  readonly byteBurst?: number;
  /** A peer whose frames are dropped for this long without a quiet second is disconnected `rate-exceeded`. Infinity: only drop. */
  readonly disconnectAfterMs?: number;
}

export type ResolvedPeerRateLimit = Required<PeerRateLimitOptions>;

/** A run of dropped frames ends once this long passes without one. */
export const OVER_BUDGET_QUIET_MS = 1000;

/** Fills the defaults and refuses what cannot work, naming the field (`connection.rateLimit.bytesPerSecond`). */
export function resolvePeerRateLimit(options: PeerRateLimitOptions = {}, field = 'connection.rateLimit'): ResolvedPeerRateLimit {
  if (typeof options !== 'object' || options === null) throw new ConfigError(field, `must be an object or false, got ${String(options)}`);
  const d = LIMIT_DEFAULTS;
  return {
    messagesPerSecond: rate(`${field}.messagesPerSecond`, options.messagesPerSecond ?? d.peerMessagesPerSecond),
    messageBurst: burst(`${field}.messageBurst`, options.messageBurst ?? d.peerMessageBurst),
    bytesPerSecond: rate(`${field}.bytesPerSecond`, options.bytesPerSecond ?? d.peerBytesPerSecond),
    byteBurst: burst(`${field}.byteBurst`, options.byteBurst ?? d.peerByteBurst),
    disconnectAfterMs: duration(`${field}.disconnectAfterMs`, options.disconnectAfterMs ?? d.peerRateDisconnectAfterMs),
  };
}

function rate(field: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive number (Infinity turns it off), got ${String(value)}`);
  }
  return value;
}

function burst(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new ConfigError(field, `must be a finite number >= 1, got ${String(value)}`);
  }
  return value;
}

function duration(field: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ConfigError(field, `must be a number of milliseconds >= 0 (Infinity: never disconnect), got ${String(value)}`);
  }
  return value;
}

/** What becomes of one frame: delivered, dropped, or dropped and the peer disconnected. */
export type RateVerdict = 'deliver' | 'drop' | 'disconnect';

/**
 * One connection's budget: a frame is delivered only if both buckets have room for it (it then
 * takes from both); otherwise it is dropped and takes nothing. Dropped frames with less than
 * OVER_BUDGET_QUIET_MS between them form a run; a drop that finds the run `disconnectAfterMs`
 * old or older says `disconnect`. Time is what the caller hands in: no timer.
 */
export class PeerRateBudget {
  readonly #messages: TokenBucket | undefined;
  readonly #bytes: TokenBucket | undefined;
  readonly #disconnectAfterMs: number;
  #dropped = 0;
  #overSince: number | undefined;
  #lastDropAt = Number.NEGATIVE_INFINITY;

  /** Undefined when both rates are Infinity: nothing to count. */
  static create(limit: ResolvedPeerRateLimit, now: number): PeerRateBudget | undefined {
    if (limit.messagesPerSecond === Infinity && limit.bytesPerSecond === Infinity) return undefined;
    return new PeerRateBudget(limit, now);
  }

  private constructor(limit: ResolvedPeerRateLimit, now: number) {
    if (limit.messagesPerSecond !== Infinity) this.#messages = new TokenBucket(limit.messagesPerSecond, limit.messageBurst, now);
    if (limit.bytesPerSecond !== Infinity) this.#bytes = new TokenBucket(limit.bytesPerSecond, limit.byteBurst, now);
    this.#disconnectAfterMs = limit.disconnectAfterMs;
  }

  /** Frames dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** When the current run of drops began; undefined when the peer is within its budget. */
  overSince(now: number): number | undefined {
    return now - this.#lastDropAt >= OVER_BUDGET_QUIET_MS ? undefined : this.#overSince;
  }

  take(bytes: number, now: number): RateVerdict {
    const messages = this.#messages;
    const payload = this.#bytes;
    if ((messages === undefined || messages.has(1, now)) && (payload === undefined || payload.has(bytes, now))) {
      messages?.spend(1);
      payload?.spend(bytes);
      return 'deliver';
    }
    this.#dropped++;
    if (now - this.#lastDropAt >= OVER_BUDGET_QUIET_MS) this.#overSince = now;
    this.#lastDropAt = now;
    return now - (this.#overSince ?? now) >= this.#disconnectAfterMs ? 'disconnect' : 'drop';
  }
}
