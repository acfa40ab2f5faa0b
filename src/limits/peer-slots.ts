import type { DisconnectReason, PeerInfo } from '../contract/types.js';

export interface PeerSlotsOptions {
  /** Peers held at once, inbound and outbound. */
  readonly maxPeers: number;
  /** Peers the pool holds now (its authoritative manager's count), read at each admission. */
  readonly held: () => number;
  /** Whether the peer's key is held already (a reconnect, a replacement): never refused for the limit. */
  readonly holds?: (info: PeerInfo) => boolean;
}

/**
 * maxPeers for inbound peers, decided by the listener during the handshake (its `admit` hook,
 * after the peer's Hello, before ours), whichever manager holds the peers: the legacy one keeps
 * no limit of its own. A peer admitted holds a slot until `release` (its add to the pool settled
 * or its connection closed), so a burst of handshakes answered before any add lands cannot
 * overshoot: held + admitted-not-yet-added never passes maxPeers.
 */
export class PeerSlots {
  readonly maxPeers: number;
  readonly #held: () => number;
  readonly #holds: ((info: PeerInfo) => boolean) | undefined;
  readonly #reserved = new Set<PeerInfo>();
  #refused = 0;

  constructor(options: PeerSlotsOptions) {
    this.maxPeers = options.maxPeers;
    this.#held = options.held;
    this.#holds = options.holds;
  }

  /** Admitted peers whose add has not settled yet. */
  get reserved(): number {
    return this.#reserved.size;
  }

  /** Peers refused for the limit so far. */
  get refused(): number {
    return this.#refused;
  }

  /** `too-many-peers` past the limit; else undefined, and `info` holds a slot until `release(info)`. */
  admit(info: PeerInfo): DisconnectReason | undefined {
    // The key's check (a snapshot) only at the limit.
    if (this.#held() + this.#reserved.size >= this.maxPeers && !this.#holds?.(info)) {
      this.#refused++;
      return 'too-many-peers';
    }
    this.#reserved.add(info);
    return undefined;
  }

  /** The admitted peer's add settled (held now, or not taken): its slot is the pool's count's again. Idempotent. */
  release(info: PeerInfo): void {
    this.#reserved.delete(info);
  }

  /** Forgets every reservation (the listener closed: no admitted peer will be added). */
  clear(): void {
    this.#reserved.clear();
  }
}
