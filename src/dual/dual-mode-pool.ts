import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { TimerSet, type Clock } from '../contract/clock.js';
import type { Connection, DialResult, Dialer } from '../contract/connection.js';
import { ConnectionLink, type ConnectionLinkOptions, type LiveSide } from './connection-view.js';
import { CallDeadlines } from './call-deadlines.js';
import { BackpressureError, ConfigError, LockCanceledError, MirrorTimeoutError, ModeTransitionError, NoConnectionError, PeerLimitError, PoolClosedError, PromotionRefusedError } from '../contract/errors.js';
import type { NetworkMessage } from '../contract/messages.js';
import { SwitchGate } from './switch-gate.js';
import { DUAL_DEFAULTS } from './dual-defaults.js';
import { WriteTracker, type WriteTicket } from './write-tracker.js';
import { MirrorCall, type MirrorOutcomes } from './mirror-call.js';
import type { BlockProposalInput, PeerPool, PoolEvent, PoolEvents, PoolListener } from '../contract/peer-pool.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from '../pool/pool-options.js';
import { PromotionGate, type GateDecision, type PromotionGateOptions } from './promotion-gate.js';
import { describeInfo, type KeyEvidence } from './shadow/divergence.js';
import { buildReport, type ShadowReport } from './shadow/report.js';
import { ShadowMetrics } from './shadow/metrics.js';
import { LinkRegistry } from './link-registry.js';
import { defaultEventSettleMs, ShadowChecks } from './shadow-checks.js';
import { byKey, fingerprint, ipCounts, peerByKey, peersByKey, sameConnectedPeers, snapshotEntries } from './fingerprints.js';
import { callWrite, isThenable, SERVED_ALONE, type MirrorArgs, type MirrorOp, type WriteArgs, type WriteOp } from './write-ops.js';
import { DEFAULT_MODE, MANAGER_SIDES as SIDES, POOL_MODES, authoritativeSide, isPoolMode, mirrorSide, sidesOf, type ManagerSide, type PoolMode } from './modes.js';
import { ShadowVerifier, type Outcome, type ShadowOptions } from './shadow/verifier.js';
import type {
  BroadcastResult,
  DisconnectReason,
  PeerAddress,
  PeerInfo,
  PoolSnapshot,
  PoolStats,
  ResourceCounts,
  SnapshotEntry,
} from '../contract/types.js';

/** Re-exported where it always was; the layer's defaults live in dual-defaults.ts. */
export { DUAL_DEFAULTS } from './dual-defaults.js';

export interface DualModeShadowOptions extends ShadowOptions {
  /** Period of the full snapshot comparison, ms. Default 10 000. */
  readonly snapshotIntervalMs?: number;
  /** How long one manager's peer event waits for the other's before it is a divergence. Default: two check periods, at least 1 s. */
  readonly eventSettleMs?: number;
}

export interface DualModePoolOptions extends PoolOptions {
  /** The mode to start in. Default 'legacy'. */
  readonly mode?: PoolMode;
  /** Where the pool's Prometheus metrics go; none are made without one (never the default registry). */
  readonly registry?: Registry;
  readonly shadow?: DualModeShadowOptions;
  readonly gate?: PromotionGateOptions;
  /** A muted ping with no real ping or frame to settle it fails after this long. Default: keepAliveIntervalMs. */
  readonly mutedPingTimeoutMs?: number;
  /** A mirror call not settled within this fails (recorded as the mirror's error). Default: lockWaitBoundMs. */
  readonly mirrorTimeoutMs?: number;
  /** Makes each manager; tests wrap them (counting spies, fault injection). */
  readonly createManager?: (side: ManagerSide, options: PoolOptions) => PeerPool;
}

export interface SetModeOptions {
  /** Overrides the promotion gate; logged. */
  readonly force?: boolean;
  /** Why, for the log (e.g. 'flag file', 'operator'). */
  readonly source?: string;
}

export interface ModeChange {
  readonly from: PoolMode;
  readonly to: PoolMode;
  readonly forced: boolean;
  readonly gate: GateDecision | undefined;
  /** Connections handed to a manager that did not hold them (hydration, hand-over). */
  readonly hydrated: number;
}

interface Held {
  readonly manager: PeerPool;
  readonly detach: () => void;
}

/** A close deferred for a legacy mirror (see #deferClose). */
interface PendingClose {
  /** Writes with a smaller ticket began before the close: their mirror calls go ahead of it. */
  readonly before: WriteTicket;
  readonly delivered: Promise<void>;
  /** The key's mirror queue when the close was deferred. */
  readonly earlier: PromiseLike<void> | undefined;
  /** The `before` of a close of the key still pending then (its delivery is in `earlier`). */
  readonly earlierCloseBefore: WriteTicket | undefined;
}

/**
 * Both peer managers behind one `PeerPool`, in one of four modes (legacy, shadow, live,
 * unified). Every write goes to the authoritative manager, then to the mirror, which holds muted
 * views of the same connections and so never touches the network; reads are served by the
 * authoritative manager and compared, sampled, with the mirror's. Operations pass a gate that
 * `setMode` closes and waits to empty (dual/switch-gate.ts), so no operation straddles two modes.
 */
export class DualModePool extends EventEmitter<PoolEvents> implements PeerPool {
  readonly verifier: ShadowVerifier;
  readonly gate: PromotionGate;
  readonly metrics: ShadowMetrics | undefined;

  readonly #options: DualModePoolOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #keyOf: (info: PeerInfo) => string;
  readonly #realDialer: Dialer | undefined;
  readonly #live: LiveSide;
  /** The real connections, by connection, by key and by dial. */
  readonly #links = new LinkRegistry(
    (info) => this.#keyOf(info),
    (connection, info, key) => new ConnectionLink(connection, info, key, (this.#linkOptions ??= this.#makeLinkOptions())),
  );
  #linkOptions: ConnectionLinkOptions | undefined;
  readonly #held: Partial<Record<ManagerSide, Held>> = {};
  readonly #timers: TimerSet;
  readonly #background: TimerSet;
  /** Operations pass it, a mode switch closes it: no operation straddles two modes. */
  readonly #gate = new SwitchGate();
  readonly #deadlines: CallDeadlines;
  readonly #snapshotIntervalMs: number;
  /** The pool options with their defaults, for what the pool derives from them. */
  readonly #resolved: ResolvedPoolOptions;
  #mode: PoolMode;
  /** authoritativeSide(#mode) and mirrorSide(#mode), kept with the mode: read on every write. */
  #authSide: ManagerSide;
  #mirrorSide: ManagerSide | undefined;
  /** The writes in flight, and the deliveries to muted views waiting for them. */
  readonly #writes = new WriteTracker();
  /** Per key, the next write ticket when a manager last removed it (bounded). */
  readonly #removedAt = new Map<string, WriteTicket>();
  /** Per key, the mirror calls in flight and the last one's settling: the next waits for it. */
  readonly #mirrorQueues = new Map<string, PromiseLike<void>>();
  /**
   * Per key, the mirror calls not yet settled of writes that went ahead of a deferred close, by
   * write ticket: a later such write waits for the earlier ones (never for a close: it would wait for it).
   */
  readonly #aheadOfClose = new Map<string, { readonly write: WriteTicket; readonly run: PromiseLike<void> }[]>();
  /** The last broadcast's difference in counts, if it had one. */
  #broadcastDiff: string | undefined;
  /** Per key, a close deferred for a legacy mirror: the first write ticket that must wait for its delivery. */
  readonly #pendingCloses = new Map<string, PendingClose>();
  #mirrorFailures = 0;
  /**
   * Keys a legacy authoritative manager holds that the unified mirror refused for a peer limit
   * legacy does not keep (#mirrorOverLimit): not compared while legacy holds them.
   */
  readonly #overLimit = new Set<string>();
  /** The periodic pass and what feeds it (events, evidence of life): dual/shadow-checks.ts. */
  readonly #checks: ShadowChecks;
  /** Set while a mode switch hydrates managers: their events then are the switch's, not the peers'. */
  #switching = false;
  #started = false;
  #closed = false;
  /** Per side: a call to its manager as the mirror timed out or had its lock wait canceled (L6). Forgotten when the manager goes. */
  readonly #deadlocked: Record<ManagerSide, boolean> = { legacy: false, unified: false };
  /** A deadlocked legacy mirror is being replaced. */
  #resetting = false;
  /** The legacy manager held now was put in place of a stuck mirror: its lastSeen are its hydration's. */
  #legacyReplaced = false;
  /** Live sends of broadcast frames that failed on the wire (ConnectionLinkOptions.onBroadcastSendFailed). */
  #wireBroadcastFailures = 0;
  /** Broadcasts served by unified in live, running now and begun so far: one that ran alone owns the wire's failures meanwhile. */
  #broadcastsRunning = 0;
  #broadcastsBegun = 0;

  constructor(options: DualModePoolOptions) {
    super();
    const resolved = resolvePoolOptions(options);
    this.#resolved = resolved;
    this.#options = options;
    this.#clock = resolved.clock;
    this.#log = resolved.logger.child({ component: 'dual-mode-pool' });
    this.#keyOf = resolved.keyOf;
    this.#realDialer = resolved.dialer;
    const mode = options.mode ?? DEFAULT_MODE;
    if (!isPoolMode(mode)) throw new ConfigError('mode', `must be one of ${POOL_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    this.#mode = mode;
    this.#authSide = authoritativeSide(mode);
    this.#mirrorSide = mirrorSide(mode);
    this.#live = { side: authoritativeSide(mode) };
    this.#timers = new TimerSet(this.#clock);
    this.#background = new TimerSet(this.#clock);
    this.#deadlines = new CallDeadlines(this.#timers, options.mirrorTimeoutMs ?? resolved.lockWaitBoundMs);
    this.#snapshotIntervalMs = options.shadow?.snapshotIntervalMs ?? DUAL_DEFAULTS.snapshotIntervalMs;
    // The two reapers run out of phase: one manager's stale removal may come a reaper interval after the other's.
    this.metrics = options.registry ? new ShadowMetrics(options.registry) : undefined;
    // Both managers refresh lastSeen from the same evidence; between them only a keep-alive round
    // (or half the stale bound, if shorter) can separate two honest readings.
    const livenessToleranceMs = Math.min(resolved.keepAliveIntervalMs, resolved.staleAfterMs / 2);
    // A replacement's or close's consequences in legacy come within a stale bound and a reaper scan
    // (L3's leftover lastSeen), or a keep-alive round and its ping timeout (L4's task exit), then
    // wait an event settle time and a few checks to be reported: past that, history explains nothing.
    const eventSettleMs = options.shadow?.eventSettleMs ?? defaultEventSettleMs(this.#snapshotIntervalMs, resolved.reaperIntervalMs);
    const hintTtlMs = resolved.staleAfterMs + resolved.reaperIntervalMs + 2 * resolved.keepAliveIntervalMs + eventSettleMs + 4 * this.#snapshotIntervalMs;
    this.verifier = new ShadowVerifier({ livenessToleranceMs, hintTtlMs, ...options.shadow }, {
      clock: this.#clock,
      logger: this.#log,
      metrics: this.metrics,
      onOutcome: (outcome) => this.gate.record(outcome),
      replacing: (key) => {
        let open = 0;
        for (const link of this.#links.withKey(key)) if (!link.closed) open++;
        return open > 1;
      },
    });
    this.#checks = new ShadowChecks(
      { ...resolved, snapshotIntervalMs: this.#snapshotIntervalMs, eventSettleMs },
      {
        verifier: this.verifier,
        clock: this.#clock,
        links: this.#links,
        settling: () => this.#settling(),
        closeDeferred: (key) => this.#pendingCloses.has(key) || this.#overLimit.has(key),
        keyBusy: (key) => this.#mirrorQueues.has(key) || this.#pendingCloses.has(key) || this.#overLimit.has(key) || (this.#mirrorSide !== undefined && this.#mirrorAddPending(key, this.#mirrorSide)),
      },
    );
    // After the verifier: the gate reads its coverage from the start.
    this.gate = new PromotionGate(this.#clock, options.gate, () => this.verifier.coverage.snapshot());
    this.metrics?.watchGate(() => this.gate.status());
    for (const side of sidesOf(mode)) this.#create(side);
    this.metrics?.setMode(mode);
  }

  get mode(): PoolMode {
    return this.#mode;
  }

  /** The manager on `side`, while the mode holds one. */
  manager(side: ManagerSide): PeerPool | undefined {
    return this.#held[side]?.manager;
  }

  /** The real connections the pool tracks. */
  get linkCount(): number {
    return this.#links.size;
  }

  /** The links, for inspection (which side holds what, what the muted views recorded). */
  links(): ConnectionLink[] {
    return [...this.#links.values()];
  }

  get mirrorFailures(): number {
    return this.#mirrorFailures;
  }

  /** Mirror calls not settled yet: each holds the deadline sweep's timer until it settles or times out. */
  get mirrorCallsPending(): number {
    return this.#deadlines.pending;
  }

  /**
   * What the pool is waiting on, for a process that seems stuck (the soak prints it when it has
   * to stop): operations inside the gate and waiting at it, writes running, closes deferred
   * behind them, keys with mirror calls queued, mirror calls pending.
   */
  waitState(): Record<string, number | string | boolean> {
    return {
      mode: this.#mode,
      switching: this.#switching,
      insideGate: this.#gate.inside,
      waitingAtGate: this.#gate.waiters,
      writesRunning: this.#writes.running,
      closesDeferred: this.#writes.deferred,
      pendingCloseKeys: this.#pendingCloses.size,
      mirrorQueueKeys: this.#mirrorQueues.size,
      mirrorCallsPending: this.#deadlines.pending,
      mirrorStuck: this.#deadlines.stuck(),
      ...Object.fromEntries(Object.entries(this.#deadlines.describe()).map(([k, v]) => [`deadlines.${k}`, v ?? '-'])),
      pendingStale: this.#checks.pendingStale,
    };
  }

  start(): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    for (const side of SIDES) this.#held[side]?.manager.start();
    this.#background.interval(() => this.checkNow(), this.#snapshotIntervalMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#background.clearAll();
    this.#gate.shut();
    // The authoritative manager first: its views are live and close the sockets.
    const order = [authoritativeSide(this.#mode), mirrorSide(this.#mode)];
    for (const side of order) if (side) await this.#drop(side);
    for (const side of SIDES) await this.#drop(side);
    this.#writes.flushAll();
    for (const link of this.#links.values()) {
      link.dispose();
      link.closeReal('shutdown');
    }
    this.#links.clear();
    this.#mirrorQueues.clear();
    this.#pendingCloses.clear();
    this.#overLimit.clear();
    // Mirror calls still pending (a deadlocked mirror's) settle now: their sweep goes with the
    // timers, and a caller's write waiting on one would otherwise never settle.
    this.#deadlines.cancelAll(new PoolClosedError());
    this.#timers.clearAll();
  }

  // --- writes: authoritative first, then the mirror ------------------------------------------

  async connectToPeer(address: string | PeerAddress): Promise<PeerInfo> {
    return this.#write('connectToPeer', typeof address === 'string' ? address : `${address.host}:${address.port}`, address) as Promise<PeerInfo>;
  }

  async addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    const key = this.#keyOf(info);
    if (!this.#gate.enter()) await this.#gate.entered();
    const write = this.#writes.begin();
    try {
      this.#assertOpen();
      const link = this.#links.of(connection, info);
      const authSide = authoritativeSide(this.#mode);
      this.#noteReplacement(link, authSide);
      try {
        await this.#timed(authSide, 'addConnectedPeer', () => this.#held[authSide]!.manager.addConnectedPeer(link.view(authSide), info));
      } catch (err) {
        this.#links.forget(link);
        throw err;
      }
      await this.#mirror('addConnectedPeer', key, link, write);
      if (!link.heldBy(authSide) && !link.closed) {
        // The authoritative manager did not take it (L7: an "unknown" version over a known one).
        // Nobody would own the socket: close it rather than leak it.
        if (info.version === 'unknown') this.verifier.hint(key, 'version-guard');
        this.#log.info({ key, version: info.version }, 'inbound connection not taken by the authoritative manager: closed');
        link.closeReal('duplicate', 'not taken');
      }
    } finally {
      this.#writes.done(write);
      this.#gate.leave();
    }
  }

  peerSeen(key: string): Promise<void> {
    return this.#write('peerSeen', key, undefined) as Promise<void>;
  }

  removeConnectedPeer(key: string, reason?: DisconnectReason): Promise<void> {
    return this.#write('removeConnectedPeer', key, reason) as Promise<void>;
  }

  sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    return this.#write('sendToPeer', key, message) as Promise<void>;
  }

  broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    return this.#write('broadcast', undefined, message) as Promise<BroadcastResult>;
  }

  broadcastBlockProposal(proposal: BlockProposalInput): Promise<BroadcastResult> {
    return this.#write('broadcastBlockProposal', undefined, proposal) as Promise<BroadcastResult>;
  }

  // --- reads: authoritative answers, the mirror is compared (sampled) --------------------------

  getPeer(key: string): Promise<PeerInfo | undefined> {
    return this.#read('getPeer', (m) => m.getPeer(key), (info) => peerByKey(key, info));
  }

  getConnectedPeers(): Promise<PeerInfo[]> {
    return this.#read('getConnectedPeers', (m) => m.getConnectedPeers(), (infos) => peersByKey(infos, this.#keyOf));
  }

  getPeerIps(): Promise<string[]> {
    return this.#read('getPeerIps', (m) => m.getPeerIps(), ipCounts);
  }

  snapshot(): PoolSnapshot {
    const authSide = authoritativeSide(this.#mode);
    const snap = this.#held[authSide]!.manager.snapshot();
    const side = mirrorSide(this.#mode);
    if (side && !this.#closed) {
      // The only read that carries lastSeen: not compared while a fresh mirror's are its hydration's.
      if (this.#settling() || this.#checks.quiet) this.verifier.skipInFlight();
      else if (this.verifier.sample()) {
        let other: Outcome<PoolSnapshot>;
        try {
          other = { ok: true, value: this.#held[side]!.manager.snapshot() };
        } catch (error) {
          other = { ok: false, error };
        }
        this.verifier.compareRead('snapshot', authSide, { ok: true, value: snap }, other, snapshotEntries, (key) => this.#evidence(key));
      }
    }
    return snap;
  }

  /** The authoritative manager's entry for `key` (not compared: snapshot() is the read that is). */
  snapshotEntry(key: string): SnapshotEntry | undefined {
    return this.#held[authoritativeSide(this.#mode)]!.manager.snapshotEntry(key);
  }

  getPoolStats(): PoolStats {
    const stats = this.#held[authoritativeSide(this.#mode)]!.manager.getPoolStats();
    const unified = this.#held.unified?.manager;
    if (this.#mirrorSide && !this.#closed && !this.#switching && unified) this.#checks.statsRead(this.#authSide, unified);
    return stats;
  }

  resources(): ResourceCounts {
    let timers = this.#timers.size;
    let backgroundTimers = this.#background.size;
    let lockHolders = this.#gate.inside;
    let lockWaiters = this.#gate.waiters;
    for (const side of SIDES) {
      const r = this.#held[side]?.manager.resources();
      if (!r) continue;
      timers += r.timers;
      backgroundTimers += r.backgroundTimers;
      lockHolders += r.lockHolders;
      lockWaiters += r.lockWaiters;
    }
    let socketListeners = 0;
    for (const link of this.#links.values()) socketListeners += link.realListeners;
    const entries = this.#closed ? 0 : (this.#held[authoritativeSide(this.#mode)]?.manager.resources().entries ?? 0);
    return { timers, backgroundTimers, socketListeners, lockHolders, lockWaiters, entries };
  }

  // --- shadow verification -------------------------------------------------------------------

  /**
   * One periodic pass now (the check timer calls this; no-op without a mirror): the full
   * snapshots, the evidence of life each manager was given against the lastSeen it reports, both
   * event streams, unified's resources against its peers, reapers that owe a removal, the pool
   * stats, and the reads (each compared as a caller's read is).
   */
  checkNow(): void {
    const side = mirrorSide(this.#mode);
    // Not while a switch or a mirror replacement swaps managers: one side may be between its old manager and its new one.
    if (!side || this.#closed || this.#switching) return;
    this.#checks.pass(authoritativeSide(this.#mode), this.#held.legacy!.manager, this.#held.unified!.manager, this.#deadlines.stuck() || this.#mirrorDeadlocked());
    this.metrics?.setCoverage(this.verifier.coverage.snapshot());
    // The reads, through the same comparison a caller's read gets.
    void this.getConnectedPeers().catch(() => undefined);
    void this.getPeerIps().catch(() => undefined);
    const some = this.#links.values().next();
    if (!some.done) void this.getPeer(some.value.key).catch(() => undefined);
  }

  report(): ShadowReport {
    return buildReport({
      mode: this.#mode,
      at: this.#clock.now(),
      stats: this.verifier.stats(),
      samples: this.verifier.samples(),
      mirrorFailures: this.#mirrorFailures,
      coverage: this.verifier.coverage.snapshot(),
      legacy: this.#held.legacy?.manager.snapshot(),
      unified: this.#held.unified?.manager.snapshot(),
      gate: this.gate.status(),
    });
  }

  // --- switching modes -----------------------------------------------------------------------

  /**
   * Moves to `next`: forward one stage at a time (legacy -> shadow -> live -> unified), back any
   * number. Entering a two-manager mode hydrates the incoming manager from the authoritative
   * one's connections; a change of authoritative side flips which views are live (the sockets
   * are not touched); a manager no longer needed is closed (its views are muted, so nothing
   * reaches the wire). shadow -> live passes the promotion gate unless `force`.
   */
  async setMode(next: PoolMode, options: SetModeOptions = {}): Promise<ModeChange> {
    if (!isPoolMode(next)) throw new ConfigError('mode', `must be one of ${POOL_MODES.join(', ')}, got ${JSON.stringify(next)}`);
    this.#assertOpen();
    const reopen = await this.#gate.closeForSwitch();
    try {
      this.#assertOpen();
      const from = this.#mode;
      const forced = options.force === true;
      if (next === from) return { from, to: next, forced: false, gate: undefined, hydrated: 0 };
      if (POOL_MODES.indexOf(next) - POOL_MODES.indexOf(from) > 1) {
        throw new ModeTransitionError(from, next, 'forward moves go one stage at a time (legacy -> shadow -> live -> unified)');
      }
      let gate: GateDecision | undefined;
      if (from === 'shadow' && next === 'live') {
        gate = this.gate.decide();
        if (!gate.allowed && !forced) {
          this.#log.warn({ from, to: next, reason: gate.reason, rate: gate.rate, checks: gate.checks, heldMs: gate.heldMs }, 'promotion refused by the gate');
          throw new PromotionRefusedError(gate.reason);
        }
        if (!gate.allowed) this.#log.warn({ from, to: next, reason: gate.reason }, 'promotion gate overridden (force)');
      }
      this.#switching = true;
      // Keys skipped for a limit are the old mode's; the hydration below marks the new mode's.
      this.#overLimit.clear();
      let hydrated: number;
      try {
        hydrated = await this.#transition(from, next);
      } finally {
        this.#switching = false;
      }
      this.verifier.resetPersistence();
      // The event streams and the evidence start afresh in the new mode: hydration's events are the switch's.
      this.#checks.reset();
      if (from === 'legacy' && next === 'shadow') this.gate.reset();
      this.metrics?.setMode(next);
      this.#log.info({ from, to: next, forced, source: options.source ?? 'api', hydrated, gate: gate?.reason }, `pool mode changed: ${from} -> ${next}`);
      return { from, to: next, forced, gate, hydrated };
    } finally {
      reopen();
    }
  }

  async #transition(from: PoolMode, next: PoolMode): Promise<number> {
    const oldAuth = authoritativeSide(from);
    const newAuth = authoritativeSide(next);
    const have = sidesOf(from);
    const need = sidesOf(next);
    let hydrated = 0;
    for (const side of need) {
      if (have.includes(side)) continue;
      this.#create(side);
      hydrated += await this.#hydrate(side, oldAuth);
    }
    let refreshed = false;
    const mirrorReplaced = newAuth === 'legacy' && this.#legacyReplaced;
    if (newAuth !== oldAuth && have.includes(newAuth) && (this.#deadlocked[newAuth] || mirrorReplaced)) {
      // The mirror about to own the sockets deadlocked (L6: a mirror call timed out or its lock
      // wait was canceled). Its locks stay taken: handed the sockets, it would serve nothing, and
      // giving it the connections it lacks would hang the switch (a soak's rollback did). A fresh
      // manager, given every connection the old owner holds, takes its place: no peer is dropped.
      // Or it was itself put in place of a stuck one (#resetDeadlockedMirror): it knows every peer
      // as seen at that replacement, the owner knows when each was last heard from, and handed the
      // sockets as is, the new mirror reaped dozens of peers the new owner still held (a 30 s soak).
      // Either way both start fresh from the same instant.
      this.#log.warn({ side: newAuth, from, to: next, deadlocked: this.#deadlocked[newAuth], replacedBefore: mirrorReplaced }, 'the mirror deadlocked (L6) or was replaced: a fresh manager takes its place before it takes the sockets');
      await this.#drop(newAuth);
      this.#create(newAuth);
      hydrated += await this.#hydrate(newAuth, oldAuth);
      refreshed = true;
    }
    if (newAuth !== oldAuth) {
      // Whatever the old owner holds that the new one does not (a divergence), it gets now.
      hydrated += await this.#hydrate(newAuth, oldAuth);
      // The hand-over: one assignment flips every link's live view; no await between the two.
      this.#live.side = newAuth;
      this.#enter(next);
      for (const link of this.#links.values()) {
        if (!link.closed && !link.heldBy(newAuth)) {
          this.#log.warn({ key: link.key }, 'connection refused by the new authoritative manager at hand-over: closed');
          link.closeReal('duplicate', 'not taken at hand-over');
        }
      }
      // A fresh manager knows every peer as seen at its hydration; the one it took over from
      // knows when each was last heard from. Left so, the mirror reaps a silent peer first (a
      // soak's rollback showed it): the new mirror starts fresh too, from the same instant.
      if (refreshed && need.includes(oldAuth)) {
        await this.#drop(oldAuth);
        this.#create(oldAuth);
        hydrated += await this.#hydrate(oldAuth, newAuth);
      }
    } else {
      this.#enter(next);
    }
    for (const side of have) if (!need.includes(side)) await this.#drop(side);
    return hydrated;
  }

  /** The mode is now `mode`. */
  #enter(mode: PoolMode): void {
    this.#mode = mode;
    this.#authSide = authoritativeSide(mode);
    this.#mirrorSide = mirrorSide(mode);
  }

  /**
   * Gives `side` every open connection `from` holds and `side` does not: all at once, and each
   * bounded by the mirror timeout, so that a manager that does not answer (a deadlocked legacy)
   * holds a switch up for one timeout at most, never for good.
   */
  async #hydrate(side: ManagerSide, from: ManagerSide): Promise<number> {
    const manager = this.#held[side]!.manager;
    const adds: Promise<void>[] = [];
    for (const link of [...this.#links.values()]) {
      if (link.closed || !link.heldBy(from) || link.heldBy(side)) continue;
      const view = link.view(side).closedByOwner ? link.freshView(side) : link.view(side);
      adds.push(
        this.#deadlines.bound('hydrate', manager.addConnectedPeer(view, link.info)).catch((err: unknown) => {
          // Legacy keeps no limit: a node past unified's cap when shadow begins (19 dials, a cap of
          // 16, in a 20-node rehearsal) is a difference by design, as for a mirrored add.
          if (err instanceof PeerLimitError && this.#mirrorOverLimit(err.key, side)) throw err;
          this.#log.warn({ key: link.key, side, err: (err as Error).message }, 'hydration of a connection failed');
          throw err;
        }),
      );
    }
    const settled = await Promise.allSettled(adds);
    return settled.filter((r) => r.status === 'fulfilled').length;
  }

  #create(side: ManagerSide): void {
    const { mode: _m, registry: _r, shadow: _s, gate: _g, mutedPingTimeoutMs: _p, mirrorTimeoutMs: _t, createManager, ...poolOptions } = this.#options;
    const options: PoolOptions = {
      ...poolOptions,
      dialer: this.#realDialer ? this.#dialerFor(side) : undefined,
      logger: this.#log.child({ manager: side }),
    };
    const manager = createManager ? createManager(side, options) : side === 'legacy' ? new LegacyPeerManager(options) : new UnifiedPeerManager(options);
    const isAuth = (): boolean => authoritativeSide(this.#mode) === side && this.#held[side]?.manager === manager;
    // Each manager's events go into the ledger while there is a mirror to pair them with; only the
    // authoritative manager's reach the pool's listeners.
    const comparing = (): boolean => this.#mirrorSide !== undefined && !this.#switching && this.#held[side]?.manager === manager;
    const onConnected: PoolListener<'peer:connected'> = (e) => {
      // Unified is also held to its own announcements, through switches too (a disconnect missed
      // there would be owed for good); not in unified-only mode, where nothing checks them.
      if (side === 'unified' && this.#held.unified?.manager === manager && (this.#mirrorSide !== undefined || this.#switching)) this.#checks.unifiedConnected(e.key, e.info);
      if (comparing() && !this.#overLimit.has(e.key)) this.#checks.event(side, 'peer:connected', e.key);
      if (isAuth()) this.emit('peer:connected', e);
    };
    const onDisconnected: PoolListener<'peer:disconnected'> = (e) => {
      this.#noteRemoval(e.key);
      if (side === 'unified' && this.#held.unified?.manager === manager) this.#checks.unifiedDisconnected(e.info);
      if (comparing()) {
        // Legacy let go of a peer the unified mirror refused for the limit: comparable again from now.
        if (this.#overLimit.has(e.key)) {
          if (side === 'legacy') this.#overLimit.delete(e.key);
        } else this.#checks.event(side, 'peer:disconnected', e.key, e.reason);
      }
      if (!isAuth()) return;
      this.emit('peer:disconnected', e);
      if (e.reason === 'stale') {
        const mirror = this.#mirrorSide;
        // Not against a mirror behind on its calls (one pending a sweep or more): it sets lastSeen
        // when it catches up on a write, not when the write was made, so a peer silent since
        // looks refreshed (a 60 s soak: "alive, silent 1536 ms" on a legacy mirror 3.8 s behind).
        if (comparing() && mirror && !this.#deadlines.stuck(1)) this.#checks.staleRemoval(e.key, side, mirror, this.#held[mirror]!.manager);
        // Counted as a write from now, so the closes the reaper just made reach a legacy mirror
        // after its mirrored remove, never racing it (L6). Only through an open gate: a write
        // counted while it waits for a switch would hold back a deferred close that operations
        // inside the gate wait for (the switch would never drain). During a switch the mirror's
        // own reaper removes the peer, stale by its own lastSeen too.
        if (this.#gate.enter()) {
          const write = this.#writes.begin();
          void this.#mirrorReaperRemoval(e.key, write).finally(() => {
            this.#writes.done(write);
            this.#gate.leave();
          });
        }
      }
    };
    const onMessage: PoolListener<'message'> = (e) => {
      if (comparing()) this.#checks.message(side, e.key);
      if (isAuth()) this.emit('message', e);
    };
    const onProtocolError: PoolListener<'protocol-error'> = (e) => void (isAuth() && this.emit('protocol-error', e));
    manager.on('peer:connected', onConnected).on('peer:disconnected', onDisconnected).on('message', onMessage).on('protocol-error', onProtocolError);
    const detach = (): void => {
      manager.off('peer:connected', onConnected).off('peer:disconnected', onDisconnected).off('message', onMessage).off('protocol-error', onProtocolError);
    };
    this.#held[side] = { manager, detach };
    if (this.#started) manager.start();
  }

  async #drop(side: ManagerSide): Promise<void> {
    const held = this.#held[side];
    if (!held) return;
    delete this.#held[side];
    this.#deadlocked[side] = false;
    if (side === 'legacy') this.#legacyReplaced = false;
    else this.#checks.forgetUnified();
    held.detach();
    await held.manager.close();
    // The closed manager's views are spent: the next manager on this side gets new ones.
    for (const link of this.#links.values()) link.freshView(side);
  }

  #dialerFor(side: ManagerSide): Dialer {
    return async (address: PeerAddress): Promise<DialResult> => {
      const { connection, info } = await this.#realDialer!(address);
      const link = this.#links.of(connection, info);
      this.#links.dialled(info, link);
      if (authoritativeSide(this.#mode) === side) this.#links.dialledTo(`${address.host}:${address.port}`, link);
      this.#noteReplacement(link, side);
      return { connection: link.view(side), info };
    };
  }

  /** One options object for every link: nothing in it is per link, and each link's own copy cost ~170 B. */
  #makeLinkOptions(): ConnectionLinkOptions {
    return {
      live: this.#live,
      timers: this.#timers,
      mutedPingTimeoutMs: this.#options.mutedPingTimeoutMs ?? this.#resolved.keepAliveIntervalMs,
      now: () => this.#clock.now(),
      onBroadcastSendFailed: (err) => {
        if (!(err instanceof BackpressureError)) this.#wireBroadcastFailures++;
      },
      deliverMuted: (deliver, link) => {
        // Only the writes already running when the event came are waited for: under continuous
        // traffic the pool is never idle, and waiting for that would starve the mirror of closes.
        // Only a legacy mirror needs it (its close handler and its remove take locks in
        // opposite orders: L6); a unified mirror hears of the close at once, as legacy does.
        if (this.#live.side === 'unified') this.#deferClose(link.key, deliver);
        else deliver();
      },
      onClosed: (l) => {
        this.#links.remove(l);
        this.verifier.hint(l.key, 'closed');
      },
    };
  }

  /** A connection for a key some other connection already holds: what L4 and L5 start from. */
  #noteReplacement(link: ConnectionLink, side: ManagerSide): void {
    for (const other of this.#links.withKey(link.key)) {
      // Held by either side: a mirror whose close of the old connection is still deferred holds it
      // too, and that late close is what takes a legacy replacement down (L5).
      if (other !== link && (other.heldBy(side) || other.heldBy(side === 'legacy' ? 'unified' : 'legacy'))) {
        this.verifier.hint(link.key, 'replaced');
        // A replacement while the old connection is open: what the coverage counts (the periodic
        // pass then compares the info each side holds).
        if (this.#mirrorSide && !other.closed) this.verifier.coverage.replacements++;
        return;
      }
    }
    // A new connection for a key whose last one just closed: legacy may still be processing that
    // close, and its late removeDeadConnection then takes the new one down (L5).
    if (this.verifier.hintsOf(link.key).has('closed')) this.verifier.hint(link.key, 'replaced');
  }


  /** A write: the authoritative manager, then the mirror. Through the gate without a promise when it is open. */
  #write<K extends WriteOp>(op: K, key: string | undefined, arg: WriteArgs[K]): Promise<unknown> {
    if (this.#gate.enter()) return this.#writeInside(op, key, arg);
    return this.#gate.entered().then(() => this.#writeInside(op, key, arg));
  }

  /**
   * The write, once through the gate. The caller has its answer once the authoritative manager
   * answered: a hot write's mirror half (SERVED_ALONE) finishes in its own handler, and only then
   * does the write leave the tracker and the gate, so a switch and a deferred close still wait for
   * it and the key's later mirror calls still queue behind it. A hung mirror never stalls serving:
   * its calls fail by their deadline. No closure per call on the common path: it sits on every send.
   */
  async #writeInside<K extends WriteOp>(op: K, key: string | undefined, arg: WriteArgs[K]): Promise<unknown> {
    const write = this.#writes.begin();
    let detached = false;
    try {
      this.#assertOpen();
      const authSide = this.#authSide;
      // Evidence of life for the liveness check: read only where there is a mirror to hold to it.
      const seenAt = op === 'peerSeen' && this.#mirrorSide ? this.#clock.now() : undefined;
      let pending = this.#call(authSide, op, key, arg);
      if ((op === 'broadcast' || op === 'broadcastBlockProposal') && authSide === 'unified' && this.#mirrorSide) pending = this.#wireChecked(op, pending as Promise<BroadcastResult>);
      // A manager that answers synchronously (unified's peerSeen) costs no await.
      const value = isThenable(pending) ? await pending : pending;
      const mirrored = op === 'connectToPeer' ? this.#mirrorDial(value as PeerInfo, key, write) : this.#mirror<WriteOp>(op, key, arg, write, op, value);
      if (mirrored === undefined) {
        if (seenAt !== undefined) this.#checks.peerSeen(key!, seenAt);
      } else if (SERVED_ALONE.has(op)) {
        detached = true;
        // #mirrorNow's promise never rejects: a mirror failure is recorded, not thrown.
        if (mirrored instanceof MirrorCall) {
          mirrored.servedWrite = write;
          mirrored.seenAt = seenAt;
        } else void mirrored.then(() => this.#mirrored(key, write, seenAt));
      } else {
        await mirrored;
      }
      return value;
    } finally {
      if (!detached) {
        // A connect that failed after its dial leaves no link behind for a later connect to find.
        if (op === 'connectToPeer') this.#links.takeDialledTo(key!);
        this.#writeDone(write);
      }
    }
  }

  /** A detached mirror half settled: the evidence it was given counts, and the write is done. */
  #mirrored(key: string | undefined, write: WriteTicket, seenAt: number | undefined): void {
    if (seenAt !== undefined && !this.#closed) this.#checks.peerSeen(key!, seenAt);
    this.#writeDone(write);
  }

  /** The write leaves the tracker and the gate. */
  #writeDone(write: WriteTicket): void {
    this.#writes.done(write);
    this.#gate.leave();
  }

  /**
   * A broadcast unified serves in live, held to the wire: the legacy mirror's sends are muted and
   * never fail, so its result says nothing of failures; the sockets do. Checked when no other
   * broadcast overlapped it, so every failure the wire saw meanwhile was one of its sends (no other
   * write sends encoded frames): none running when it began (one that began earlier and ended first
   * still had its failures land in this one's window: a soak's false alarm), none begun since.
   * Must be called before any turn has passed since the broadcast began.
   */
  async #wireChecked(op: string, pending: Promise<BroadcastResult>): Promise<BroadcastResult> {
    const begun = ++this.#broadcastsBegun;
    const before = this.#wireBroadcastFailures;
    const alone = this.#broadcastsRunning === 0;
    this.#broadcastsRunning++;
    try {
      const result = await pending;
      if (alone && this.#broadcastsRunning === 1 && this.#broadcastsBegun === begun) {
        const wire = this.#wireBroadcastFailures - before;
        this.verifier.coverage.write(`${op}:wire`);
        const findings =
          result.failed >= wire
            ? []
            : [{ kind: 'result-mismatch' as const, key: op, source: `${op}:wire`, legacy: 'not asked (its sends are muted)', unified: `reported ${result.failed} failed (${result.sent} sent), while ${wire} of its sends failed on the wire`, known: null }];
        this.verifier.checkFindings('unified', findings);
      }
      return result;
    } finally {
      this.#broadcastsRunning--;
    }
  }

  /** `op` on `side`'s manager; timed only where there are metrics to put the time in. */
  #call<K extends WriteOp>(side: ManagerSide, op: K, key: string | undefined, arg: WriteArgs[K], label: string = op): unknown {
    // Named loads, not this.#held[side]: this sits on every write.
    const manager = side === 'legacy' ? this.#held.legacy!.manager : this.#held.unified!.manager;
    return this.metrics ? this.#timed(side, label, () => callWrite(manager, op, key, arg)) : callWrite(manager, op, key, arg);
  }

  /** A dial's mirror half: the mirror is given the connection the authoritative manager dialled. */
  #mirrorDial(info: PeerInfo, key: string | undefined, write: WriteTicket): PromiseLike<void> | undefined {
    const dialled = key === undefined ? undefined : this.#links.takeDialledTo(key);
    const link = this.#links.dialledBy(info) ?? dialled;
    if (this.#mirrorSide) this.#compareConnectResult(info);
    return this.#mirror('addConnectedPeer', key, link ?? null, write, 'connectToPeer');
  }

  /**
   * What a connect resolved with against what the authoritative manager then holds for the peer:
   * a connect that lost to a connection already held must resolve with the held peer's info, not
   * the dialled one. One entry looked up per connect.
   */
  #compareConnectResult(resolved: PeerInfo): void {
    const key = this.#keyOf(resolved);
    const side = this.#authSide;
    const report = (text: string, known?: null): void => {
      const [legacy, unified] = side === 'legacy' ? [text, '-'] : ['-', text];
      this.verifier.checkFindings(side, [{ kind: 'result-mismatch', key, source: 'connectToPeer', legacy, unified, ...(known === null ? { known } : {}) }]);
    };
    // The dialled connection lost to one already held (a simultaneous dial): the manager closed it
    // as a duplicate before resolving, so it must resolve with the held peer's info. Whatever
    // other writes run, nothing else closes a connection as a duplicate. No L-rule explains it:
    // the key's history (a replacement) says nothing about a manager contradicting itself.
    if (this.#links.dialledBy(resolved)?.view(side).closeReason === 'duplicate') {
      report(`connect resolved with the info of the connection it closed as a duplicate (${describeInfo(resolved)})`, null);
      return;
    }
    // Another write running may have replaced the entry meanwhile, honestly.
    if (this.#writes.running !== 1) return;
    const held = this.#held[side]!.manager.snapshotEntry(key);
    if (held?.info && fingerprint(held.info) !== fingerprint(resolved)) report(`connect resolved with ${describeInfo(resolved)}, holds ${describeInfo(held.info)}`);
  }

  /**
   * Runs the mirror's half of a write, in the order the authoritative side ran that key's writes:
   * a key whose last mirror call is still in flight (legacy's locks) gets this one after it, so a
   * send the authoritative side made before a removal is never mirrored after it. A key with
   * nothing in flight costs one map lookup. Returns a promise only when there is something to wait for.
   */
  #mirror<K extends MirrorOp>(op: K, key: string | undefined, arg: MirrorArgs[K], write?: WriteTicket, label: string = op, authValue?: unknown): PromiseLike<void> | undefined {
    if (key === undefined || this.#mirrorSide === undefined) return this.#mirrorNow(op, key, arg, write, label, authValue);
    // A write that began before a deferred close of this key: it goes ahead of the close's delivery
    // (which waits for it), but behind the key's mirror calls of writes that began before it (an
    // add still queued when the removal after it came: the mirror removed nothing, then added).
    const close = this.#pendingCloses.get(key);
    if (close && write !== undefined && write < close.before) {
      const earlier = close.earlierCloseBefore === undefined || write >= close.earlierCloseBefore ? close.earlier : undefined;
      return this.#mirrorAheadOfClose(op, key, arg, write, earlier, label, authValue);
    }
    const tail = this.#mirrorQueues.get(key);
    if (tail === undefined) {
      // The common case: nothing in flight for the key. The call's own settle handler takes it off
      // the map (#mirrorSettled), so this path adds one map write and no promise or closure: it
      // sits on every mirrored send (a promise and a closure per send cost about 1 us at 1k peers).
      const run = this.#mirrorNow(op, key, arg, write, label, authValue);
      if (run !== undefined) this.#mirrorQueues.set(key, run);
      return run;
    }
    // #mirrorNow's promise never rejects: a mirror failure is recorded, not thrown.
    const run = tail.then(() => this.#mirrorNow(op, key, arg, write, label, authValue));
    this.#mirrorQueues.set(key, run);
    void run.then(() => this.#mirrorSettled(key, run));
    return run;
  }

  /**
   * The mirror's half of a write that began before a deferred close of `key`: after the calls of
   * earlier writes, the key's queue as it stood when the close was deferred (those calls never wait
   * for a close that came after them) and the ones that went ahead of the close before this one.
   */
  #mirrorAheadOfClose<K extends MirrorOp>(op: K, key: string, arg: MirrorArgs[K], write: WriteTicket, earlier: PromiseLike<void> | undefined, label: string, authValue: unknown): PromiseLike<void> | undefined {
    const ahead = this.#aheadOfClose.get(key) ?? [];
    let after = earlier;
    for (const c of ahead) if (c.write < write) after = c.run;
    if (after === undefined) return this.#mirrorNow(op, key, arg, write, label, authValue);
    const run = after.then(() => this.#mirrorNow(op, key, arg, write, label, authValue));
    const entry = { write, run };
    ahead.push(entry);
    this.#aheadOfClose.set(key, ahead);
    void run.then(() => {
      const list = this.#aheadOfClose.get(key);
      if (!list) return;
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#aheadOfClose.delete(key);
    });
    return run;
  }

  /** A key's last mirror call settled: nothing is in flight for it any more. */
  #mirrorSettled(key: string | undefined, run: PromiseLike<void>): void {
    if (key !== undefined && this.#mirrorQueues.get(key) === run) this.#mirrorQueues.delete(key);
  }

  /**
   * A close the mirror hears of once the writes running now have finished (L6). The key's mirror
   * calls of writes that begin later wait for it, so the mirror sees the close where the
   * authoritative side did: before them. Writes already running go ahead of it (it waits for them).
   */
  #deferClose(key: string, deliver: () => void): void {
    let delivered!: () => void;
    // The key's queue as this close finds it: what writes that began before the close wait for
    // (not the close itself, which waits for them), unless one began before an earlier close still
    // pending too, which that queue holds and which waits for it.
    const previous = this.#pendingCloses.get(key);
    const entry: PendingClose = {
      before: this.#writes.next,
      delivered: new Promise<void>((resolve) => (delivered = resolve)),
      earlier: this.#mirrorQueues.get(key),
      earlierCloseBefore: previous?.before,
    };
    this.#pendingCloses.set(key, entry);
    this.#writes.defer(() => {
      try {
        deliver();
      } finally {
        if (this.#pendingCloses.get(key) === entry) this.#pendingCloses.delete(key);
        delivered();
      }
    });
    // Bounded: should the delivery wait on a write that itself waits on this key (a cycle not
    // foreseen), the key's later mirror calls go ahead after a mirror timeout, not never.
    const bounded = new Promise<void>((resolve) => {
      const timer = this.#timers.timeout(resolve, this.#deadlines.ms);
      void entry.delivered.then(() => {
        this.#timers.clear(timer);
        resolve();
      });
    });
    const tail = (this.#mirrorQueues.get(key) ?? Promise.resolve()).then(() => bounded);
    this.#mirrorQueues.set(key, tail);
    void tail.then(() => this.#mirrorSettled(key, tail));
  }

  /** The mirror's half of a write, now; its failure is recorded, never thrown. A promise only when it did not settle synchronously. */
  #mirrorNow<K extends MirrorOp>(op: K, key: string | undefined, arg: MirrorArgs[K], write: WriteTicket | undefined, label: string, authValue: unknown): PromiseLike<void> | undefined {
    const side = this.#mirrorSide;
    if (!side) return undefined;
    if (this.#deadlocked[side]) {
      // Its locks stay taken (L6): a call would only wait out the mirror timeout, and each key's
      // calls queue behind one another, so under traffic the writes waiting on them outgrow what
      // the timeouts clear (a soak hung on it before a switch). Not made; counted; a legacy
      // mirror is replaced by a fresh one meanwhile (#resetDeadlockedMirror). The key's operation
      // is lost to the deadlock as surely as a call that timed out: whatever differs on the key
      // since follows from it (a 30 s CI soak: unified 'removed', the mirror, never told of the
      // removal, 'closed-by-peer' when the socket closed).
      this.verifier.coverage.writesNotCompared++;
      if (key !== undefined) this.verifier.hint(key, 'deadlock');
      return undefined;
    }
    let result: unknown;
    try {
      // TypeScript does not narrow a generic by its key: the two casts below are what `op` says `arg` is.
      if (op !== 'addConnectedPeer') result = this.#call(side, op as WriteOp, key, arg as WriteArgs[WriteOp], label);
      else {
        const link = arg as MirrorArgs['addConnectedPeer'];
        if (!link) throw new PoolClosedError();
        const manager = this.#held[side]!.manager;
        const add = (): Promise<void> => manager.addConnectedPeer(link.view(side), link.info);
        // Timed only where there are metrics, as #call does.
        result = this.metrics ? this.#timed(side, label, add) : add();
      }
    } catch (error) {
      this.#mirrorFailed(label, key, side, error, write);
      return undefined;
    }
    if (!isThenable(result)) {
      this.verifier.compareWrite(label, key ?? label, this.#authSide, MIRRORED, this.#evidenceFn);
      return undefined;
    }
    const compareResult = (op === 'broadcast' || op === 'broadcastBlockProposal') && write !== undefined;
    // Its outcome goes to #outcomes, which also takes it off the key's queue (set before any
    // outcome can come: they come on a later turn). No promise unless something waits on it.
    const run = new MirrorCall(this.#outcomes, label, key, side, write, compareResult ? authValue : undefined);
    this.#deadlines.track(run, result);
    return run;
  }

  /** Mirror calls' outcomes: one pair of handlers per pool, not per call (they sit on every mirrored send). */
  readonly #outcomes: MirrorOutcomes = {
    ok: (call, value) => {
      this.verifier.compareWrite(call.op, call.key ?? call.op, this.#authSide, MIRRORED, this.#evidenceFn);
      if (call.compareWith !== undefined) this.#compareBroadcast(call.op, call.write!, call.compareWith as BroadcastResult, value as BroadcastResult);
      this.#mirrorCallDone(call);
    },
    fail: (call, error) => {
      this.#mirrorFailed(call.op, call.key, call.side, error, call.write);
      this.#mirrorCallDone(call);
    },
  };

  #mirrorCallDone(call: MirrorCall): void {
    this.#mirrorSettled(call.key, call);
    call.settle();
    if (call.servedWrite !== undefined) this.#mirrored(call.key, call.servedWrite, call.seenAt);
  }

  /**
   * Both managers' BroadcastResult for one broadcast. Compared only when it ran alone (no other
   * write began or ran meanwhile): a peer added or removed between the two calls changes the count
   * honestly.
   */
  #compareBroadcast(op: string, write: WriteTicket, auth: BroadcastResult, mirror: BroadcastResult): void {
    if (this.#writes.running !== 1 || this.#writes.next !== write + 1 || this.#writes.deferred > 0) return;
    // A failed send removes its peer on the authoritative side before the mirror's turn: the
    // mirror then honestly tries one peer fewer.
    if (auth.failed > 0) return;
    // A peer that stopped reading (over its high-water mark) is skipped by a unified manager that
    // serves, and tried by the legacy mirror, whose muted send cannot be refused: the socket's
    // decision, as a failure is. Seen once in a CI rehearsal: a SIGSTOPped peer, "tried 2 | tried 3"
    // on each proposal until it was reaped. Only that shape, and no more peers than are over the mark.
    if (this.#authSide === 'unified') {
      const backlogged = auth.skipped - mirror.skipped;
      if (backlogged > 0 && mirror.sent + mirror.failed - (auth.sent + auth.failed) === backlogged && backlogged <= this.#overHighWater()) return;
    }
    // A muted send cannot fail (it never reaches the wire): the peers each side tried (sent or
    // failed) and the peers it skipped are what both managers decide; which sends failed is the socket's.
    if (auth.sent + auth.failed === mirror.sent + mirror.failed && auth.skipped === mirror.skipped) {
      this.#broadcastDiff = undefined;
      this.verifier.checkFindings(this.#authSide, []);
      return;
    }
    // A miscount repeats on every broadcast; a peer joining or leaving between the two calls does
    // not: reported when the same difference comes twice running (a CI rehearsal saw it once).
    const diff = `${auth.sent + auth.failed}/${auth.skipped}|${mirror.sent + mirror.failed}/${mirror.skipped}`;
    const again = diff === this.#broadcastDiff;
    this.#broadcastDiff = diff;
    if (!again) return;
    // Different peer sets are reported (and classified) by the snapshot check: the counts follow.
    const [l, u] = [this.#held.legacy!.manager.snapshot(), this.#held.unified!.manager.snapshot()];
    if (!sameConnectedPeers(byKey(l.entries), byKey(u.entries))) return;
    const text = (r: BroadcastResult): string => `tried ${r.sent + r.failed} (sent ${r.sent}, failed ${r.failed}), skipped ${r.skipped}`;
    const [legacy, unified] = this.#authSide === 'legacy' ? [text(auth), text(mirror)] : [text(mirror), text(auth)];
    // Legacy's broadcast goes by its `peers` map joined with `connections`: where the two disagree
    // for some key (L2: info without a connection; L4/L5: a connection whose info a replaced
    // connection's task or late close removed), its count differs honestly.
    const partial = l.entries.find((e) => !!e.info !== e.connected);
    const known = partial ? (partial.info ? 'L2' : 'L4') : undefined;
    this.verifier.checkFindings(this.#authSide, [{ kind: 'result-mismatch', key: op, source: op, legacy, unified, ...(known ? { known } : {}) }]);
  }

  /** Open connections holding more unsent bytes than the high-water mark: peers not reading. */
  #overHighWater(): number {
    const mark = this.#resolved.limits.highWaterMark;
    let n = 0;
    for (const link of this.#links.values()) if (!link.closed && link.real.bufferedAmount > mark) n++;
    return n;
  }

  #mirrorFailed(op: string, key: string | undefined, side: ManagerSide, error: unknown, write: number | undefined): void {
    // Failed by the pool's close: nothing about the mirror.
    if (this.#closed) return;
    // A send racing the add of its own peer: the authoritative manager holds the new connection
    // already, the mirror is about to be given it. Not a divergence, a write still in flight.
    // Or one racing a removal of its peer that completed after it started: the authoritative
    // side sent before the removal, the mirror is asked after it.
    if (
      key !== undefined &&
      error instanceof NoConnectionError &&
      (this.#mirrorAddPending(key, side) || (write !== undefined && (this.#removedAt.get(key) ?? -1) > write))
    ) {
      this.verifier.skipInFlight();
      return;
    }
    // By the peer's key as unified refused it (a mirrored dial's `key` is the address dialled).
    if (error instanceof PeerLimitError && this.#mirrorOverLimit(error.key, side)) {
      this.verifier.skipInFlight();
      return;
    }
    this.#mirrorFailures++;
    this.metrics?.mirrorFailures.inc({ op });
    if (error instanceof MirrorTimeoutError || error instanceof LockCanceledError) {
      this.#deadlocked[side] = true;
      if (key !== undefined) this.verifier.hint(key, 'deadlock');
      if (side === 'legacy') void this.#resetDeadlockedMirror(this.#legacyStuckCause(side));
    }
    this.#log.warn({ op, key, side, err: (error as Error)?.message ?? String(error) }, 'mirror write failed (recorded, not thrown)');
    this.verifier.compareWrite(op, key ?? op, authoritativeSide(this.#mode), { ok: false, error }, this.#evidenceFn);
  }

  /**
   * A unified mirror refused a peer for maxPeers or the outbound cap while the authoritative
   * legacy manager, which keeps no limit, holds more than that (two handshakes admitted by the
   * listener at once past the limit, dials legacy made past the outbound cap). Not one of legacy's
   * inconsistencies (L1-L7), nor unified's: the limit is a difference by design. The key is not
   * compared (events, messages, snapshot) until legacy lets the peer go; legacy's connect event,
   * already noted, is forgotten. False when legacy is within the limits: then unified's refusal
   * is unexpected (it counts peers legacy does not hold) and reported as such.
   */
  #mirrorOverLimit(key: string, side: ManagerSide): boolean {
    const legacy = this.#held.legacy?.manager;
    if (side !== 'unified' || this.#authSide !== 'legacy' || !legacy) return false;
    const { maxPeers, maxOutbound } = this.#resolved.limits;
    const held = legacy.snapshot().entries.filter((e) => e.connected);
    const outbound = held.filter((e) => e.info?.direction === 'outbound').length;
    if (held.length <= maxPeers && outbound <= maxOutbound) return false;
    this.#overLimit.add(key);
    this.#checks.forgetEvent('legacy', 'peer:connected', key);
    this.#log.info({ key, legacyHolds: held.length, outbound, maxPeers, maxOutbound }, 'the unified mirror refused a peer past the limit legacy does not keep: not compared while legacy holds it');
    return true;
  }

  /**
   * 'deadlock' when one of legacy's lock waits has outlived the mirror timeout (L6: it never ends),
   * else 'behind': the call was slow, not stuck (a mirrored broadcast is one send after another,
   * three locks each, queued behind the traffic's: in a 60 s soak one took over 5 s, no wait stuck).
   * Either way the mirror is not asked more: a mirror behind by a timeout queues the writes too.
   */
  #legacyStuckCause(side: ManagerSide): string {
    const manager = this.#held[side]?.manager;
    if (!(manager instanceof LegacyPeerManager)) return 'unknown';
    const since = this.#clock.now() - this.#deadlines.ms;
    return manager.locks.waiters().some((w) => w.since <= since) ? 'deadlock' : 'behind';
  }

  /** Records that `key` was removed from a manager once the writes started so far had begun. */
  #noteRemoval(key: string): void {
    this.#removedAt.delete(key);
    this.#removedAt.set(key, this.#writes.next);
    // Bounded: only recent removals matter, to writes still in flight.
    if (this.#removedAt.size > 10_000) this.#removedAt.delete(this.#removedAt.keys().next().value!);
  }

  /** Whether a live connection for `key` is held by the authoritative side and not yet by `mirror`. */
  #mirrorAddPending(key: string, mirror: ManagerSide): boolean {
    const auth = authoritativeSide(this.#mode);
    for (const link of this.#links.withKey(key)) {
      if (!link.closed && link.heldBy(auth) && !link.heldBy(mirror)) return true;
    }
    return false;
  }

  /** The authoritative reaper removed a peer: the mirror removes it too (one call). Inside the gate. */
  async #mirrorReaperRemoval(key: string, write: WriteTicket): Promise<void> {
    if (!this.#closed) await this.#mirror('removeConnectedPeer', key, 'stale', write, 'reaper');
  }

  async #read<T>(op: string, run: (manager: PeerPool) => Promise<T>, normalize: (value: T) => Map<string, string>): Promise<T> {
    if (!this.#gate.enter()) await this.#gate.entered();
    try {
      this.#assertOpen();
      const authSide = authoritativeSide(this.#mode);
      let auth: Outcome<T>;
      try {
        auth = { ok: true, value: await this.#timed(authSide, op, () => run(this.#held[authSide]!.manager)) };
      } catch (error) {
        auth = { ok: false, error };
      }
      const side = mirrorSide(this.#mode);
      if (side) {
        if (this.#settling()) this.verifier.skipInFlight();
        else if (this.verifier.sample()) {
          let shadow: Outcome<T>;
          try {
            shadow = { ok: true, value: await this.#deadlines.bound(op, this.#timed(side, op, () => run(this.#held[side]!.manager))) };
          } catch (error) {
            shadow = { ok: false, error };
          }
          this.verifier.compareRead(op, authSide, auth, shadow, normalize, (key) => this.#evidence(key));
        }
      }
      if (!auth.ok) throw auth.error;
      return auth.value;
    } finally {
      this.#gate.leave();
    }
  }

  /**
   * A write is running, or a close is waiting to reach the mirror: the two managers may disagree
   * for a moment, so a read compared now would report noise, not a divergence.
   */
  #settling(): boolean {
    return this.#writes.running > 0 || this.#writes.deferred > 0 || this.#checks.pendingStale > 0 || this.#deadlines.stuck() || this.#mirrorDeadlocked();
  }

  /** The mirror deadlocked (L6 in a legacy mirror; a bug in a unified one, reported when found): it is not asked anything more. */
  #mirrorDeadlocked(): boolean {
    const side = this.#mirrorSide;
    return side !== undefined && this.#deadlocked[side];
  }

  /**
   * Replaces a legacy mirror that deadlocked (L6) by a fresh one given every connection the
   * authoritative manager holds, behind the switch gate as a mode switch is, so live mode goes on
   * comparing rather than mirroring into a manager that answers nothing. The fresh manager knows
   * every peer as seen now, where the authoritative one knows when each was last heard from:
   * liveness is not compared for a stale bound after (ShadowChecks.quietFor: no periodic pass,
   * no snapshot read, no stale removal judged); the other reads carry no lastSeen and go on.
   */
  async #resetDeadlockedMirror(cause: string): Promise<void> {
    if (this.#resetting) return;
    this.#resetting = true;
    try {
      const reopen = await this.#gate.closeForSwitch();
      try {
        const side = this.#mirrorSide;
        if (this.#closed || side !== 'legacy' || !this.#deadlocked[side]) return;
        this.#switching = true;
        let hydrated: number;
        try {
          await this.#drop(side);
          // The pool may have closed meanwhile: nothing new is made after its close().
          if (this.#closed) return;
          this.#create(side);
          hydrated = await this.#hydrate(side, this.#authSide);
          if (this.#closed) {
            await this.#drop(side);
            return;
          }
        } finally {
          this.#switching = false;
        }
        this.verifier.resetPersistence();
        this.#checks.reset();
        this.#checks.quietFor(this.#resolved.staleAfterMs + this.#resolved.reaperIntervalMs + this.#checks.eventSettleMs);
        this.verifier.coverage.mirrorResets++;
        this.#legacyReplaced = true;
        this.#log.warn({ side, hydrated, cause }, 'the legacy mirror stopped answering within the mirror timeout: replaced by a fresh one');
      } finally {
        reopen();
      }
    } catch (err) {
      if (!(err instanceof PoolClosedError)) this.#log.error({ err: (err as Error).message }, 'replacing the deadlocked mirror failed');
    } finally {
      this.#resetting = false;
    }
  }

  async #timed<T>(side: ManagerSide, op: string, fn: () => T | Promise<T>): Promise<T> {
    const metrics = this.metrics;
    if (!metrics) return fn();
    const started = performance.now();
    try {
      const value = await fn();
      metrics.operation(side, op, (performance.now() - started) / 1000, false);
      return value;
    } catch (err) {
      metrics.operation(side, op, (performance.now() - started) / 1000, true);
      throw err;
    }
  }

  readonly #evidenceFn = (key: string): KeyEvidence => this.#evidence(key);

  #evidence(key: string): KeyEvidence {
    const find = (side: ManagerSide): SnapshotEntry | undefined => {
      const manager = this.#held[side]?.manager;
      // By key first (one lookup); by IP only where the pool keys peers otherwise.
      return manager && (manager.snapshotEntry(key) ?? manager.snapshot().entries.find((e) => e.info?.ip === key));
    };
    let closing = false;
    for (const link of this.#links.withKey(key)) if (!link.closed && !link.real.isOpen) closing = true;
    return { key, legacy: find('legacy'), unified: find('unified'), hints: this.verifier.hintsOf(key), closing, ...(this.#overLimit.has(key) ? { notCompared: true } : {}) };
  }

  #assertOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }

  override on<E extends PoolEvent>(event: E, listener: PoolListener<E>): this {
    return super.on(event, listener as never);
  }

  override off<E extends PoolEvent>(event: E, listener: PoolListener<E>): this {
    return super.off(event, listener as never);
  }

  override once<E extends PoolEvent>(event: E, listener: PoolListener<E>): this {
    return super.once(event, listener as never);
  }
}

/** A mirror write that settled: what compareWrite is told (results are compared apart, where they can be). */
const MIRRORED: Outcome<unknown> = { ok: true, value: undefined };
