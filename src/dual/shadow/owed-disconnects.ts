import type { PeerInfo } from '../../contract/types.js';
import type { Finding } from './findings.js';

/** What the ledger needs of a connection: whether its socket has closed. */
export interface ClosableLink {
  readonly closed: boolean;
}

interface Held {
  readonly key: string;
  readonly link: ClosableLink;
  /** The first check that found the socket closed: the announcement is owed a settle time after. */
  closedSeenAt: number | undefined;
}

/**
 * Unified held to its own announcements: every connection it announced with `peer:connected`
 * must be let go with a `peer:disconnected` carrying the same info once its socket has closed.
 * Needs no second manager, so no L-rule can explain a miss: the pairing of the two streams by key
 * cannot tell a lost disconnect from legacy's late close of a replaced connection (L5) when a
 * peer closes and reconnects at once, and a unified manager silent about every peer close passed
 * the soak that way. A connection is known by the info object the pool handed over with it (both
 * managers' events carry that object). Bounded by the connections unified holds.
 */
export class OwedDisconnects {
  readonly #held = new Map<PeerInfo, Held>();

  /** Unified announced `info`'s connection; `link` is the socket it came with, if the pool knows it. */
  connected(key: string, info: PeerInfo, link: ClosableLink | undefined): void {
    if (link) this.#held.set(info, { key, link, closedSeenAt: undefined });
  }

  /** Unified let `info`'s connection go. */
  disconnected(info: PeerInfo | undefined): void {
    if (info) this.#held.delete(info);
  }

  /** Connections closed for `settleMs` that unified never announced it let go: each a finding, reported once. */
  findings(now: number, settleMs: number): Finding[] {
    const findings: Finding[] = [];
    for (const [info, held] of this.#held) {
      if (!held.link.closed) continue;
      if (held.closedSeenAt === undefined) {
        held.closedSeenAt = now;
        continue;
      }
      if (now - held.closedSeenAt < settleMs) continue;
      this.#held.delete(info);
      findings.push({
        kind: 'event-mismatch',
        key: held.key,
        source: 'events:owed-disconnect',
        legacy: '-',
        unified: `announced peer:connected; its socket closed over ${Math.round(now - held.closedSeenAt)} ms ago, no peer:disconnected`,
        known: null,
      });
    }
    return findings;
  }

  /** Unified's manager was replaced or dropped: its announcements go with it. */
  clear(): void {
    this.#held.clear();
  }
}
