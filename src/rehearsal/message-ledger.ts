/** A span of time a node was faulted (killed, frozen, leaving): messages to or from it then are not counted. */
export interface FaultWindow {
  readonly ip: string;
  readonly from: number;
  /** Until the node was back and reconnected; Infinity while it is not. */
  to: number;
}

export interface MessageCounts {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

/** A proposal sent to a peer and never delivered: what a reader needs to find it in the node logs. */
export interface LostMessage {
  readonly hash: string;
  readonly from: string;
  readonly to: string;
  readonly at: number;
}

const LOST_SHOWN = 5;

interface Pair {
  sent: number;
  received: number;
}

interface Proposal {
  readonly proposer: string;
  readonly at: number;
}

/**
 * Counts block proposals per (proposal, recipient): sent (the sender's socket flushed it),
 * delivered (the recipient's pool handed it up), lost (sent, never delivered), duplicated
 * (delivered more than once). Pairs whose sender or recipient was faulted while the proposal
 * could be in flight (from `settleMs` before the fault until the node is back) are set aside:
 * a message in a killed process's buffers is not a message the pool lost.
 */
export class MessageLedger {
  readonly #settleMs: number;
  readonly #proposals = new Map<string, Proposal>();
  readonly #pairs = new Map<string, Pair>();
  readonly #windows: FaultWindow[] = [];
  #excluded = 0;
  #lost: LostMessage[] = [];

  constructor(settleMs: number) {
    this.#settleMs = settleMs;
  }

  proposed(hash: string, proposer: string, at: number): void {
    this.#proposals.set(hash, { proposer, at });
  }

  /** The proposal was never broadcast (the node refused): forget it. */
  abandoned(hash: string): void {
    this.#proposals.delete(hash);
  }

  sent(hash: string, to: string): void {
    this.#pair(hash, to).sent++;
  }

  received(hash: string, by: string): void {
    this.#pair(hash, by).received++;
  }

  openWindow(ip: string, at: number): FaultWindow {
    const w: FaultWindow = { ip, from: at - this.#settleMs, to: Infinity };
    this.#windows.push(w);
    return w;
  }

  /** The first lost messages of the last count (at most five): which, from whom, to whom, when. */
  get lost(): readonly LostMessage[] {
    return this.#lost;
  }

  /** Pairs set aside because a fault overlapped them, at the last count. */
  get excluded(): number {
    return this.#excluded;
  }

  /** The counts for proposals made up to `until` (later ones may still be in flight). */
  counts(until = Infinity): MessageCounts {
    const c: MessageCounts = { sent: 0, delivered: 0, lost: 0, duplicated: 0 };
    const lost: LostMessage[] = [];
    let excluded = 0;
    for (const [key, pair] of this.#pairs) {
      const cut = key.indexOf('|');
      const hash = key.slice(0, cut);
      const peer = key.slice(cut + 1);
      const p = this.#proposals.get(hash);
      if (!p || p.at > until) continue;
      if (this.#faulted(p.proposer, p.at) || this.#faulted(peer, p.at)) {
        excluded++;
        continue;
      }
      c.sent += Math.max(pair.sent, pair.received > 0 ? 1 : 0);
      if (pair.received > 0) c.delivered++;
      else {
        c.lost++;
        if (lost.length < LOST_SHOWN) lost.push({ hash, from: p.proposer, to: peer, at: p.at });
      }
      c.duplicated += Math.max(0, pair.received - 1) + Math.max(0, pair.sent - 1);
    }
    this.#excluded = excluded;
    this.#lost = lost;
    return c;
  }

  #faulted(ip: string, at: number): boolean {
    for (const w of this.#windows) if (w.ip === ip && at + this.#settleMs >= w.from && at <= w.to) return true;
    return false;
  }

  #pair(hash: string, peer: string): Pair {
    const key = `${hash}|${peer}`;
    let pair = this.#pairs.get(key);
    if (!pair) {
      pair = { sent: 0, received: 0 };
      this.#pairs.set(key, pair);
    }
    return pair;
  }
}
