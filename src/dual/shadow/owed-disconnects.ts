import type { PeerInfo } from '../../contract/types.js';
import type { Finding } from './findings.js';

/** What the ledger needs of a connection: its peer's key, and whether its socket has closed. */
export interface ClosableLink {
  readonly key: string;
  readonly closed: boolean;
}

/** A connection whose socket a check found closed, or whose announcement came under another key. */
class Held {
  constructor(
    readonly key: string,
    readonly link: ClosableLink,
    /** The first check that found the socket closed: the announcement is owed a settle time after. */
    readonly closedSeenAt: number | undefined,
  ) {}
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
  /**
   * Each announced connection: its link itself while its socket is open and the key is the link's
   * (every one, nearly always), a Held once a check found it closed. A Held per announcement cost
   * 48 B per peer (a heap snapshot at 20k peers), for state only a closed socket needs.
   */
  readonly #held = new Map<PeerInfo, ClosableLink | Held>();

  /** Unified announced `info`'s connection; `link` is the socket it came with, if the pool knows it. */
  connected(key: string, info: PeerInfo, link: ClosableLink | undefined): void {
    if (link) this.#held.set(info, link.key === key ? link : new Held(key, link, undefined));
  }

  /** Unified let `info`'s connection go. */
  disconnected(info: PeerInfo | undefined): void {
    if (info) this.#held.delete(info);
  }

  /** Connections closed for `settleMs` that unified never announced it let go: each a finding, reported once. */
  findings(now: number, settleMs: number): Finding[] {
    const findings: Finding[] = [];
    for (const [info, entry] of this.#held) {
      const held = entry instanceof Held ? entry : undefined;
      const link = held ? held.link : (entry as ClosableLink);
      if (!link.closed) continue;
      if (held?.closedSeenAt === undefined) {
        // Set on a key the map holds: the iteration goes on in the same order.
        this.#held.set(info, new Held(held ? held.key : link.key, link, now));
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
