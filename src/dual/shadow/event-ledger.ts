import type { DisconnectReason } from '../../contract/types.js';
import type { ManagerSide } from '../modes.js';

export type PeerEventType = 'peer:connected' | 'peer:disconnected';

/** An event one manager emitted that the other has not (yet) matched. */
export interface UnpairedEvent {
  readonly side: ManagerSide;
  readonly type: PeerEventType;
  readonly key: string;
  readonly reason: DisconnectReason | undefined;
  readonly at: number;
}

/** What one settle pass found. */
export interface EventFindings {
  /** Events paired with the other side's since the last pass (each pairing is one comparison). */
  readonly paired: number;
  /** Pairs whose disconnect reasons differ: [legacy's, unified's]. */
  readonly reasonMismatches: readonly { key: string; legacy: DisconnectReason | undefined; unified: DisconnectReason | undefined }[];
  /** Events the other side did not emit within the settle time. */
  readonly unpaired: readonly UnpairedEvent[];
  /** Keys whose `message` deliveries were compared, and those whose counts stayed apart. */
  readonly messageKeys: number;
  readonly messageMismatches: readonly { key: string; legacy: number; unified: number }[];
}

interface MessageCount {
  legacy: number;
  unified: number;
  /** The difference seen at the previous pass: a difference that stays the same has settled. */
  lastDiff: number;
}

/**
 * Each manager's event stream, per peer, set against the other's: `peer:connected` and
 * `peer:disconnected` are paired one to one (a disconnect with its reason), and `message`
 * deliveries are counted. Unpaired events wait `settleMs` for their match (the mirror hears of a
 * write after the authoritative side does); what is still unpaired then is a divergence.
 * Bounded: unpaired events are reported and dropped at each pass, message counts are dropped
 * once equal.
 */
export class EventLedger {
  readonly #pending = new Map<string, UnpairedEvent[]>();
  readonly #messages = new Map<string, MessageCount>();
  #paired = 0;
  #reasonMismatches: { key: string; legacy: DisconnectReason | undefined; unified: DisconnectReason | undefined }[] = [];

  /** One peer event from `side`'s manager. */
  note(side: ManagerSide, type: PeerEventType, key: string, reason: DisconnectReason | undefined, at: number): void {
    // Messages are compared only while both hold the peer: a frame that came before the second
    // manager took the connection, or after the first let it go, reached one of them honestly.
    this.#messages.delete(key);
    const pending = this.#pending.get(key);
    if (pending) {
      const i = pending.findIndex((e) => e.side !== side && e.type === type);
      if (i >= 0) {
        const other = pending[i]!;
        pending.splice(i, 1);
        if (pending.length === 0) this.#pending.delete(key);
        this.#paired++;
        if (other.reason !== reason) {
          const [legacy, unified] = side === 'legacy' ? [reason, other.reason] : [other.reason, reason];
          this.#reasonMismatches.push({ key, legacy, unified });
        }
        return;
      }
      pending.push({ side, type, key, reason, at });
    } else this.#pending.set(key, [{ side, type, key, reason, at }]);
  }

  /** Drops `side`'s unpaired events of `type` for `key`: a difference the pool explained and does not compare. */
  forget(side: ManagerSide, type: PeerEventType, key: string): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    const keep = pending.filter((e) => e.side !== side || e.type !== type);
    if (keep.length === 0) this.#pending.delete(key);
    else this.#pending.set(key, keep);
  }

  /** One `message` event from `side`'s manager. Two map operations per delivery. */
  message(side: ManagerSide, key: string): void {
    let count = this.#messages.get(key);
    if (!count) this.#messages.set(key, (count = { legacy: 0, unified: 0, lastDiff: 0 }));
    count[side]++;
  }

  /** Events waiting for their match now. */
  get pending(): number {
    let n = 0;
    for (const list of this.#pending.values()) n += list.length;
    return n;
  }

  /**
   * Stale removals one manager made that the other has not yet: its reaper runs out of phase and
   * may come up to a reaper interval later; reads compared meanwhile would report that gap.
   */
  /** Whether one manager removed `key` as stale and the other has not yet (its reaper may follow). */
  staleFor(key: string): boolean {
    return this.#pending.get(key)?.some((e) => e.reason === 'stale') ?? false;
  }

  get pendingStale(): number {
    let n = 0;
    for (const list of this.#pending.values()) for (const e of list) if (e.reason === 'stale') n++;
    return n;
  }

  /**
   * Reports what has settled: pairs made since the last pass, events unmatched for `settleMs`,
   * message counts whose difference did not move since the last pass (it would, were a
   * delivery still on its way).
   */
  settle(now: number, settleMs: number, busy: (key: string) => boolean = () => false): EventFindings {
    const unpaired: UnpairedEvent[] = [];
    for (const [key, list] of this.#pending) {
      const keep = list.filter((e) => {
        if (now - e.at < settleMs) return true;
        unpaired.push(e);
        return false;
      });
      if (keep.length === 0) this.#pending.delete(key);
      else if (keep.length !== list.length) this.#pending.set(key, keep);
    }
    const messageMismatches: { key: string; legacy: number; unified: number }[] = [];
    let messageKeys = 0;
    for (const [key, count] of this.#messages) {
      const diff = count.legacy - count.unified;
      // A write to the mirror still on its way for this key (its add of a new connection, say):
      // frames on that connection reach one manager only until it lands. Judged once it has.
      if (diff !== 0 && busy(key)) {
        count.lastDiff = Number.NaN;
        continue;
      }
      if (diff === 0) {
        messageKeys++;
        this.#messages.delete(key);
      } else if (diff === count.lastDiff) {
        messageKeys++;
        messageMismatches.push({ key, legacy: count.legacy, unified: count.unified });
        this.#messages.delete(key);
      } else count.lastDiff = diff;
    }
    const findings: EventFindings = { paired: this.#paired, reasonMismatches: this.#reasonMismatches, unpaired, messageKeys, messageMismatches };
    this.#paired = 0;
    this.#reasonMismatches = [];
    return findings;
  }

  /** Forgets everything (a mode change: the streams start afresh). */
  reset(): void {
    this.#pending.clear();
    this.#messages.clear();
    this.#paired = 0;
    this.#reasonMismatches = [];
  }
}
