import type { Clock } from '../contract/clock.js';
import type { PeerPool } from '../contract/peer-pool.js';
import type { PeerInfo, PoolSnapshot, PoolStats, SnapshotEntry } from '../contract/types.js';
import { byKey, sameConnectedPeers } from './fingerprints.js';
import type { ConnectionLink } from './connection-view.js';
import type { LinkRegistry } from './link-registry.js';
import type { ManagerSide } from './modes.js';
import { EventLedger } from './shadow/event-ledger.js';
import { eventFindings, livenessFindings, overdueFindings, resourceFindings, type Finding } from './shadow/findings.js';
import { LivenessEvidence } from './shadow/liveness-evidence.js';
import { OwedDisconnects } from './shadow/owed-disconnects.js';
import type { ShadowVerifier } from './shadow/verifier.js';

/** How near the stale bound a peer may be and count either way, between a snapshot and getPoolStats read a moment apart. */
const STATS_SLACK_MS = 100;

/** How long one manager's peer event waits for the other's: two check periods, at least a reaper interval and 1 s. */
export function defaultEventSettleMs(snapshotIntervalMs: number, reaperIntervalMs: number): number {
  return Math.max(2 * snapshotIntervalMs, reaperIntervalMs + 1000);
}

export interface ShadowCheckTiming {
  readonly staleAfterMs: number;
  readonly keepAliveIntervalMs: number;
  readonly reaperIntervalMs: number;
  readonly snapshotIntervalMs: number;
  /** Overrides the default settle time of an unpaired event. */
  readonly eventSettleMs: number | undefined;
}

export interface ShadowCheckDeps {
  readonly verifier: ShadowVerifier;
  readonly clock: Clock;
  readonly links: LinkRegistry;
  /** A write in flight or a close waiting for one: the two managers may disagree for a moment. */
  readonly settling: () => boolean;
  /** A mirror call queued or running for the key, a close of it deferred, or a connection the mirror has not been given yet. */
  readonly keyBusy?: (key: string) => boolean;
  /** A close of the key's connection waits to be delivered to the mirror (behind a write in flight, at most a mirror timeout). */
  readonly closeDeferred?: (key: string) => boolean;
}

/**
 * The dual-mode pool's periodic pass and what feeds it: both managers' events (paired), the
 * evidence of life each was given, and the checks that hold one manager to the other beyond
 * the snapshot (liveness, events, resources, reapers, pool stats, stale removals). The pool
 * calls in; this knows nothing of modes or sockets.
 */
export class ShadowChecks {
  readonly #deps: ShadowCheckDeps;
  readonly #events = new EventLedger();
  readonly #liveness = new LivenessEvidence();
  readonly #owed = new OwedDisconnects();
  /** How long one manager's peer event waits for the other's: two check periods, at least a reaper interval and 1 s. */
  readonly eventSettleMs: number;
  /** A stale peer still held this long after its last sign of life: its reaper owed a removal. */
  readonly overdueAfterMs: number;
  readonly #staleAfterMs: number;
  /** How far short of the stale bound a mirror's peer may be when the authoritative reaper removes it. */
  readonly #staleSlackMs: number;
  /** The getPoolStats difference of the last pass: one that holds over two passes is reported. */
  #statsDiff: string | undefined;
  /** Until when passes wait: a mirror call was stuck (legacy deadlocked), and the mirror then catches up. */
  #quietUntil = -Infinity;
  /** Until when the mirror's lastSeen are its hydration's, not evidence: liveness is not compared. */
  #freshMirrorUntil = -Infinity;
  /** Open sockets neither manager held at the last pass: one still so now was left open by whoever removed it. */
  #orphans = new Set<ConnectionLink>();

  constructor(timing: ShadowCheckTiming, deps: ShadowCheckDeps) {
    this.#deps = deps;
    // The two reapers run out of phase: one manager's stale removal may come a reaper interval after the other's.
    this.eventSettleMs = timing.eventSettleMs ?? defaultEventSettleMs(timing.snapshotIntervalMs, timing.reaperIntervalMs);
    this.overdueAfterMs = timing.staleAfterMs + timing.reaperIntervalMs + this.eventSettleMs;
    this.#staleAfterMs = timing.staleAfterMs;
    this.#staleSlackMs = Math.min(timing.keepAliveIntervalMs / 2, 1000);
  }

  /** A peer event from `side`'s manager. */
  event(side: ManagerSide, type: 'peer:connected' | 'peer:disconnected', key: string, reason?: Parameters<EventLedger['note']>[3]): void {
    this.#events.note(side, type, key, reason, this.#deps.clock.now());
  }

  /** Unified announced a connection (whatever the mode): it owes a disconnect once the socket closes. */
  unifiedConnected(key: string, info: PeerInfo): void {
    let link: ConnectionLink | undefined;
    for (const l of this.#deps.links.withKey(key)) if (l.info === info) link = l;
    this.#owed.connected(key, info, link);
  }

  /** Unified let a connection go. */
  unifiedDisconnected(info: PeerInfo | undefined): void {
    this.#owed.disconnected(info);
  }

  /** Unified's manager was dropped or replaced: what it owed goes with it. */
  forgetUnified(): void {
    this.#owed.clear();
  }

  /** Forgets `side`'s unpaired `type` events of `key` (see EventLedger.forget). */
  forgetEvent(side: ManagerSide, type: 'peer:connected' | 'peer:disconnected', key: string): void {
    this.#events.forget(side, type, key);
  }

  /** A `message` delivered by `side`'s manager. */
  message(side: ManagerSide, key: string): void {
    this.#events.message(side, key);
  }

  /** A peerSeen(key) at `at` both managers accepted. */
  peerSeen(key: string, at: number): void {
    this.#liveness.peerSeen(key, at);
  }

  /** Stale removals one manager made and the other has not yet (reads wait them out). */
  get pendingStale(): number {
    return this.#events.pendingStale;
  }

  /**
   * A fresh mirror (a deadlocked one replaced) knows every peer as seen at its hydration: for
   * `ms` no pass is made, no snapshot read is compared (the pool asks `quiet`) and no stale
   * removal is judged by its lastSeen, which say nothing of when a peer was last heard from.
   */
  quietFor(ms: number): void {
    const until = this.#deps.clock.now() + ms;
    this.#quietUntil = Math.max(this.#quietUntil, until);
    this.#freshMirrorUntil = Math.max(this.#freshMirrorUntil, until);
  }

  /** Within a `quietFor` window. */
  get quiet(): boolean {
    return this.#freshMirrorUntil > -Infinity && this.#deps.clock.now() < this.#freshMirrorUntil;
  }

  /** A mode change: the event streams and the evidence start afresh. */
  reset(): void {
    this.#events.reset();
    this.#liveness.reset();
    this.#statsDiff = undefined;
    this.#orphans = new Set();
  }

  /**
   * One pass: both snapshots and everything checked beside them, as one comparison. While a
   * mirror call is stuck (legacy deadlocked: L6) and for a settle time after, no pass is made:
   * the stalled manager is behind on everything, and its events come once it catches up.
   */
  pass(primary: ManagerSide, legacyManager: PeerPool, unifiedManager: PeerPool, mirrorStuck = false): void {
    const { verifier, clock } = this.#deps;
    if (mirrorStuck) this.#quietUntil = clock.now() + this.eventSettleMs;
    if (clock.now() < this.#quietUntil) {
      verifier.resetPersistence();
      // A socket unified left open, a close it never announced: its own doing, whatever state the
      // legacy mirror is in, checked through the quiet too (in live, the quiet is most of what the
      // soak would see). Not legacy's orphans: stuck between a removal's steps, it would look like one.
      const own = this.#owed.findings(clock.now(), this.eventSettleMs);
      if (primary === 'unified') own.push(...this.#orphanFindings(primary));
      if (own.length > 0) verifier.checkFindings(primary, own);
      return;
    }
    const legacy = legacyManager.snapshot();
    const unified = unifiedManager.snapshot();
    const l = byKey(legacy.entries);
    const u = byKey(unified.entries);
    const now = clock.now();
    const coverage = verifier.coverage;
    const findings: Finding[] = [];
    // Liveness: evidence recorded at the pass before has had a whole period to settle.
    const peerSeen = this.#liveness.rotate();
    if (!this.#deps.settling()) {
      const live = livenessFindings(l, u, this.#frameEvidence(), peerSeen);
      coverage.livenessEvidence += live.checked;
      findings.push(...live.findings);
    }
    findings.push(...this.#unifiedFrameFindings(u));
    const events = this.#events.settle(now, this.eventSettleMs, this.#deps.keyBusy);
    coverage.events += events.paired + events.unpaired.length;
    coverage.messageChecks += events.messageKeys;
    findings.push(...eventFindings(events), ...this.#owed.findings(now, this.eventSettleMs));
    if (!this.#deps.settling()) {
      coverage.resourceChecks++;
      findings.push(...resourceFindings('unified', unifiedManager.resources(), u));
    }
    findings.push(...overdueFindings('legacy', l, now, this.overdueAfterMs), ...overdueFindings('unified', u, now, this.overdueAfterMs));
    const unifiedStats = unifiedManager.getPoolStats();
    findings.push(...this.#statsFindings(legacyManager.getPoolStats(), unifiedStats, sameConnectedPeers(l, u)));
    findings.push(...this.#statsAgainstSnapshot(unifiedStats, unified));
    findings.push(...this.#orphanFindings(primary));
    // A key one reaper removed and the other has yet to (out of phase by up to a reaper interval)
    // is in flight: its pending event is judged when it settles, paired or not.
    const closeDeferred = this.#deps.closeDeferred;
    verifier.checkSnapshots(legacy, unified, primary, findings, (key) => this.#events.staleFor(key) || (closeDeferred?.(key) ?? false));
  }

  /**
   * The authoritative reaper removed `key` as stale: the mirror must hold it stale as well, by its
   * own lastSeen and its own judgement. Counted in the coverage: a run that never saw one says so.
   */
  staleRemoval(key: string, primary: ManagerSide, mirrorSide: ManagerSide, mirror: PeerPool): void {
    // A frame or pong arrived for the peer just now: the mirror may have applied it (unified marks
    // seen at once) while the authoritative side had not yet (legacy's peerSeen waits for a lock),
    // so a mirror fresher than the bound is that frame, not a difference. Seen after a SIGSTOP,
    // when a resumed node's reaper and its buffered frames run in the same instant.
    if (this.quiet) return;
    let evidenceAt = -Infinity;
    for (const link of this.#deps.links.withKey(key)) if (link.seenAt !== undefined && link.seenAt > evidenceAt) evidenceAt = link.seenAt;
    const { verifier, clock } = this.#deps;
    verifier.coverage.staleRemovals++;
    const now = clock.now();
    // One key looked up, not a snapshot of the mirror per burst: at 100k peers a snapshot took
    // longer than a burst lasts, so each removal took one (a reaper pass of 40 s, measured).
    const entry = mirror.snapshotEntry(key);
    const findings: Finding[] = [];
    // Alive by more than the slack (a last frame processed a moment later on one side is not a
    // difference), or silent past the bound by its own lastSeen and still judged alive (its bound is wrong).
    const silentMs = entry?.lastSeen === undefined ? undefined : now - entry.lastSeen;
    const refreshed = silentMs !== undefined && silentMs < this.#staleAfterMs - this.#staleSlackMs && now - evidenceAt > this.#staleSlackMs;
    // Judged at the instant the entry was read: a peer at the bound then is alive by it, and past
    // it a moment later (a soak flagged "alive, silent 3000 ms of a 3000 ms bound" when both
    // managers had started fresh together and the mirror's entries were read a moment earlier).
    const misjudged = entry?.lastSeen !== undefined && now - entry.lastSeen > this.#staleAfterMs && entry.liveness !== 'stale';
    if (entry?.connected && (refreshed || misjudged)) {
      const text = `${entry.liveness}, silent ${Math.round(silentMs!)} ms of a ${this.#staleAfterMs} ms bound`;
      const [legacy, unified] = mirrorSide === 'legacy' ? [text, 'reaped as stale'] : ['reaped as stale', text];
      findings.push({ kind: 'liveness-mismatch', key, source: 'stale-removal', legacy, unified });
    }
    verifier.checkFindings(primary, findings);
  }

  /** The frame-or-pong evidence of the last pass, per link both managers hold; then the next pass's is taken. */
  *#frameEvidence(): Generator<{ key: string; at: number }> {
    const links = this.#deps.links;
    for (const link of links.values()) {
      const at = link.evidenceAt;
      link.evidenceAt = link.seenAt;
      if (at === undefined || link.closed || !link.heldBy('legacy') || !link.heldBy('unified')) continue;
      // A key with two links (a replacement in progress) is judged by the peer-set checks instead.
      if (links.withKey(link.key).size > 1) continue;
      yield { key: link.key, at };
    }
  }

  /**
   * Unified marks a frame seen as it arrives (the link hands it over synchronously, to a muted
   * view too): its lastSeen is never behind the last frame, now, with no settle time and whatever
   * is in flight. The comparison with legacy waits a pass and skips passes with writes in flight
   * (legacy's peerSeen waits for global locks); by then a keep-alive pong has refreshed lastSeen,
   * and a unified manager that never marked a frame seen passed 30 s soaks (mutant 01).
   */
  #unifiedFrameFindings(u: ReadonlyMap<string, SnapshotEntry>): Finding[] {
    const findings: Finding[] = [];
    const links = this.#deps.links;
    for (const link of links.values()) {
      const at = link.seenAt;
      if (at === undefined || link.closed || !link.heldBy('unified') || links.withKey(link.key).size > 1) continue;
      const entry = u.get(link.key);
      if (!entry?.connected || entry.lastSeen === undefined) continue;
      this.#deps.verifier.coverage.livenessEvidence++;
      if (entry.lastSeen >= at) continue;
      findings.push({ kind: 'liveness-mismatch', key: link.key, source: 'liveness-evidence:frame-unified', legacy: '-', unified: `lastSeen ${Math.round(entry.lastSeen)} < last frame at ${Math.round(at)}`, known: null });
    }
    return findings;
  }

  /**
   * A socket still open that neither manager holds, two passes running: the authoritative manager
   * removed its peer and did not close it (the mirror's views are muted: only the owner closes).
   */
  #orphanFindings(primary: ManagerSide): Finding[] {
    const now = new Set<ConnectionLink>();
    const findings: Finding[] = [];
    for (const link of this.#deps.links.values()) {
      // A socket whose close has begun is not left open: a silent peer never answers the close
      // frame, and the closing handshake then waits out its timeout (seen in a soak: 30 s).
      if (link.closed || !link.real.isOpen || link.heldBy('legacy') || link.heldBy('unified')) continue;
      now.add(link);
      if (!this.#orphans.has(link)) continue;
      const text = 'removed the peer, left its socket open';
      const [legacy, unified] = primary === 'legacy' ? [text, '-'] : ['-', text];
      findings.push({ kind: 'resource-mismatch', key: `${link.key}-socket`, source: 'open-socket', legacy, unified });
    }
    this.#orphans = now;
    return findings;
  }

  /**
   * A caller's getPoolStats read while unified is held: its stats against its own snapshot, now
   * (a monitoring read, not a hot path: one snapshot each). Counted as a comparison of the read.
   */
  statsRead(primary: ManagerSide, unifiedManager: PeerPool): void {
    const { verifier } = this.#deps;
    verifier.coverage.read('getPoolStats');
    verifier.checkFindings(primary, this.#statsAgainstSnapshot(unifiedManager.getPoolStats(), unifiedManager.snapshot()));
  }

  /**
   * Unified's getPoolStats against its own snapshot of the same pass: the peers it holds and those
   * silent past the stale bound. Needs no second manager and no persistence, so a difference that
   * lasts a second (a peer between the keep-alive and the stale bound) is seen too. A peer within
   * STATS_SLACK_MS of the bound may fall either side (the two reads are a moment apart).
   */
  #statsAgainstSnapshot(stats: PoolStats, snap: PoolSnapshot): Finding[] {
    let total = 0;
    let stale = 0;
    let ambiguous = 0;
    for (const e of snap.entries) {
      if (!e.connected) continue;
      total++;
      if (e.lastSeen === undefined) continue;
      const silent = snap.takenAt - e.lastSeen;
      if (Math.abs(silent - this.#staleAfterMs) <= STATS_SLACK_MS) ambiguous++;
      else if (silent > this.#staleAfterMs) stale++;
    }
    if (stats.total === total && stats.stale >= stale && stats.stale <= stale + ambiguous) return [];
    return [
      {
        kind: 'result-mismatch',
        key: 'pool-stats',
        source: 'getPoolStats:snapshot',
        legacy: '-',
        unified: `getPoolStats: total ${stats.total}, stale ${stats.stale}; its snapshot: ${total} peers, ${stale} silent past the ${this.#staleAfterMs} ms bound`,
        known: null,
      },
    ];
  }

  /** getPoolStats' total and stale, compared; a difference is reported once it holds over two passes. */
  #statsFindings(legacy: PoolStats, unified: PoolStats, samePeers: boolean): Finding[] {
    this.#deps.verifier.coverage.read('getPoolStats');
    // Different peer sets are reported (and classified) by the snapshot check: the totals follow.
    if (this.#deps.settling() || !samePeers) return [];
    const diff = legacy.total !== unified.total || legacy.stale !== unified.stale ? `${legacy.total}/${legacy.stale}|${unified.total}/${unified.stale}` : undefined;
    const held = diff !== undefined && diff === this.#statsDiff;
    this.#statsDiff = diff;
    if (!held) return [];
    return [{ kind: 'result-mismatch', key: 'pool-stats', source: 'getPoolStats', legacy: `total ${legacy.total}, stale ${legacy.stale}`, unified: `total ${unified.total}, stale ${unified.stale}` }];
  }
}
