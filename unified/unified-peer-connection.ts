import { systemClock, type Clock } from '../src/contract/clock.js';
import type { Connection } from '../src/contract/connection.js';
import type { PeerInfo } from '../src/contract/types.js';

export const HEALTH_MAX = 100;
/** Healthy means strictly above this score. */
export const HEALTH_THRESHOLD = 30;

export interface UnifiedPeerConnectionOptions {
  /** Where `markSeen()` and `isStale()` read the time when not given one. */
  clock?: Clock;
  /** Initial lastSeen (ms); defaults to now. */
  lastSeen?: number;
  /** Defaults to now. */
  connectedAt?: number;
}

/**
 * Everything a pool knows of one peer, in one object: the connection, its info, when it was last
 * seen and how well it behaves. Generic so that a codebase's own connection and info types fit.
 */
export class UnifiedPeerConnection<C = Connection, I = PeerInfo> {
  connection: C;
  info: I;
  /** ms, from the clock. */
  lastSeen: number;
  connectedAt: number;
  /** 0..100, starts at 100: failures penalize it, successes reward it. */
  health: number;
  readonly clock: Clock;

  constructor(connection: C, info: I, options: UnifiedPeerConnectionOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const now = options.lastSeen === undefined || options.connectedAt === undefined ? this.clock.now() : 0;
    this.connection = connection;
    this.info = info;
    this.lastSeen = options.lastSeen ?? now;
    this.connectedAt = options.connectedAt ?? now;
    this.health = HEALTH_MAX;
  }

  /** The constructor the migration guide names: one object from a connection and its info. */
  static from<C, I>(connection: C, info: I, options?: UnifiedPeerConnectionOptions): UnifiedPeerConnection<C, I> {
    return new UnifiedPeerConnection(connection, info, options);
  }

  markSeen(at: number = this.clock.now()): this {
    this.lastSeen = at;
    return this;
  }

  /** Strictly older than `staleAfterMs`, as the legacy reaper judged it. */
  isStale(staleAfterMs: number, now: number = this.clock.now()): boolean {
    return now - this.lastSeen > staleAfterMs;
  }

  /** ms since the connection was made. */
  uptime(now: number = this.clock.now()): number {
    return now - this.connectedAt;
  }

  penalize(points: number): this {
    this.health = Math.max(0, this.health - points);
    return this;
  }

  reward(points: number): this {
    this.health = Math.min(HEALTH_MAX, this.health + points);
    return this;
  }

  get isHealthy(): boolean {
    return this.health > HEALTH_THRESHOLD;
  }
}
