import type { IpFilter } from '../src/limits/ip-filter.js';
import type { ResolvedPoolLimits } from '../src/pool/pool-options.js';
import type { DisconnectReason, Direction } from '../src/contract/types.js';

/**
 * Who the unified manager takes: the deny list first (`banned`), then the allow list (passes the
 * limits), then maxPeers and the outbound cap (`too-many-peers`). It counts the peers held by
 * direction and the refusals by reason; the manager tells it of every insert and removal.
 */
export class Admission {
  readonly maxPeers: number;
  readonly maxOutbound: number;
  readonly ipFilter: IpFilter;
  readonly #refused: Partial<Record<DisconnectReason, number>> = {};
  #inbound = 0;
  #outbound = 0;

  constructor(limits: ResolvedPoolLimits) {
    this.maxPeers = limits.maxPeers;
    this.maxOutbound = limits.maxOutbound;
    this.ipFilter = limits.ipFilter;
  }

  get inbound(): number {
    return this.#inbound;
  }

  get outbound(): number {
    return this.#outbound;
  }

  /**
   * Why a peer from `ip` would be refused now, or undefined. `pendingOutbound` counts dials in
   * flight, so that a burst of connectToPeer cannot overshoot the outbound cap.
   */
  check(ip: string, direction: Direction, pendingOutbound = 0): DisconnectReason | undefined {
    const verdict = this.ipFilter.verdict(ip);
    if (verdict === 'denied') return 'banned';
    if (verdict === 'allowed') return undefined;
    if (this.#inbound + this.#outbound + pendingOutbound >= this.maxPeers) return 'too-many-peers';
    if (direction === 'outbound' && this.#outbound + pendingOutbound >= this.maxOutbound) return 'too-many-peers';
    return undefined;
  }

  /** Records a refusal; returns the reason for chaining. */
  refuse(reason: DisconnectReason): DisconnectReason {
    this.#refused[reason] = (this.#refused[reason] ?? 0) + 1;
    return reason;
  }

  added(direction: Direction): void {
    if (direction === 'outbound') this.#outbound++;
    else this.#inbound++;
  }

  removed(direction: Direction): void {
    if (direction === 'outbound') this.#outbound--;
    else this.#inbound--;
  }

  refused(): Partial<Record<DisconnectReason, number>> {
    return { ...this.#refused };
  }
}
