import { EventEmitter } from 'node:events';
import { parseAddress } from '../src/contract/address.js';
import { TimerSet, type TimerHandle } from '../src/contract/clock.js';
import type { Connection } from '../src/contract/connection.js';
import { attachConnection, LISTENERS_PER_CONNECTION } from '../src/pool/connection-listeners.js';
import {
  ConnectionClosedError,
  NoConnectionError,
  PoolClosedError,
  PoolshiftError,
  QuarantinedError,
  SelfConnectionError,
  SendError,
} from '../src/contract/errors.js';
import { LockMonitor, type RwLock } from '../src/pool/lock.js';
import { LockWatchdog } from '../src/pool/lock-watchdog.js';
import type { NetworkMessage } from '../src/contract/messages.js';
import type { BlockProposalInput, PeerPool, PoolEvents } from '../src/contract/peer-pool.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from '../src/pool/pool-options.js';
import type {
  BroadcastResult,
  DisconnectReason,
  PeerAddress,
  PeerInfo,
  PoolSnapshot,
  PoolStats,
  ResourceCounts,
  SnapshotEntry,
} from '../src/contract/types.js';

/** A connection as legacy holds it: behind its own mutex, one operation at a time. */
export interface LegacyConnectionHandle {
  readonly connection: Connection;
  /** Clock time the manager took the connection. */
  readonly connectedAt: number;
  readonly mutex: RwLock;
  readonly detach: () => void;
}

/**
 * The manager being migrated, reproduced faithfully: three maps keyed by IP, each behind its own
 * lock, the lock orders of the original (connect: connections -> peers; remove: peers ->
 * connections -> lastSeen), a keep-alive task per connect that pings the connection it captured,
 * and a reaper. Its inconsistencies L1-L7 are kept on purpose: they are what shadow mode must
 * recognise. Do not fix them here; the unified manager is the fix.
 */
export class LegacyPeerManager extends EventEmitter<PoolEvents> implements PeerPool {
  readonly connections: Map<string, LegacyConnectionHandle>;
  readonly peers: Map<string, PeerInfo>;
  readonly lastSeen: Map<string, number>;
  readonly locks: LockMonitor;
  readonly connectionsLock: RwLock;
  readonly peersLock: RwLock;
  readonly lastSeenLock: RwLock;
  /** Peers refused by connect and add. */
  readonly quarantined = new Set<string>();
  readonly watchdog: LockWatchdog;

  readonly #opts: ResolvedPoolOptions;
  readonly #background: TimerSet;
  readonly #keepAlives: TimerSet;
  /** Every handle with listeners on its connection, including overwritten ones (L4, L5). */
  readonly #attached = new Set<LegacyConnectionHandle>();
  readonly #disconnects: Partial<Record<DisconnectReason, number>> = {};
  #protocolErrors = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    super();
    this.#opts = resolvePoolOptions(options);
    const { clock, createMap } = this.#opts;
    this.connections = createMap();
    this.peers = createMap();
    this.lastSeen = createMap();
    this.locks = new LockMonitor(clock);
    this.connectionsLock = this.locks.lock('connections');
    this.peersLock = this.locks.lock('peers');
    this.lastSeenLock = this.locks.lock('lastSeen');
    this.#background = new TimerSet(clock);
    this.#keepAlives = new TimerSet(clock);
    this.watchdog = new LockWatchdog({
      monitor: this.locks,
      boundMs: this.#opts.lockWaitBoundMs,
      logger: this.#opts.logger,
      ...(this.#opts.onLockStall ? { onStall: this.#opts.onLockStall } : {}),
    });
  }

  start(): void {
    if (this.#closed || this.#background.size > 0) return;
    // A reaper tick still waiting on a lock when the pool closes is canceled: nothing to report.
    this.#background.interval(() => void this.#reap().catch(() => undefined), this.#opts.reaperIntervalMs);
    this.watchdog.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#background.clearAll();
    this.#keepAlives.clearAll();
    this.watchdog.stop();
    // A deadlocked pair (L6) is waiting forever: cancel the waits so the callers get an error.
    this.locks.cancelAll();
    for (const handle of this.#attached) {
      handle.detach();
      handle.connection.close('shutdown');
    }
    this.#attached.clear();
    this.connections.clear();
    this.peers.clear();
    this.lastSeen.clear();
  }

  async connectToPeer(address: string | PeerAddress): Promise<PeerInfo> {
    const addr = parseAddress(address);
    this.#assertOpen();
    if (addr.host === this.#opts.publicIp) throw new SelfConnectionError(addr.host);
    if (this.quarantined.has(addr.host)) throw new QuarantinedError(addr.host);
    const dialer = this.#opts.dialer;
    if (!dialer) throw new PoolshiftError('POOLSHIFT_ERR_NO_DIALER', 'this pool was made without a dialer');
    const { connection, info } = await dialer(addr);
    const key = this.#opts.keyOf(info);
    const handle = this.#handle(key, connection);
    // Lock order connections -> peers; the existing connection is overwritten, not closed (L4).
    const releaseConnections = await this.connectionsLock.write('connectToPeer');
    try {
      const releasePeers = await this.peersLock.write('connectToPeer');
      this.connections.set(key, handle);
      this.peers.set(key, info);
      releasePeers();
    } finally {
      releaseConnections();
    }
    await this.peerSeen(key);
    this.#spawnKeepAlive(key, handle);
    this.emit('peer:connected', { key, info });
    return info;
  }

  async addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    this.#assertOpen();
    const key = this.#opts.keyOf(info);
    if (info.ip === this.#opts.publicIp) throw new SelfConnectionError(key);
    if (this.quarantined.has(info.ip)) throw new QuarantinedError(key);
    const releaseRead = await this.peersLock.read('addConnectedPeer');
    const known = this.peers.get(key);
    releaseRead();
    // L7: a known version is not replaced by "unknown", and the new connection is not stored.
    if (known && known.version !== 'unknown' && info.version === 'unknown') {
      this.#opts.logger.debug({ key }, 'inbound peer with unknown version ignored');
      return;
    }
    const handle = this.#handle(key, connection);
    const releaseConnections = await this.connectionsLock.write('addConnectedPeer');
    try {
      const releasePeers = await this.peersLock.write('addConnectedPeer');
      this.connections.set(key, handle);
      this.peers.set(key, info);
      releasePeers();
    } finally {
      releaseConnections();
    }
    await this.peerSeen(key);
    this.#spawnKeepAlive(key, handle);
    this.emit('peer:connected', { key, info });
  }

  /** Rust's `add_connected_peer(info)`: a peer recorded with no connection at all (L2). */
  async addPeerInfo(info: PeerInfo): Promise<void> {
    const key = this.#opts.keyOf(info);
    const releasePeers = await this.peersLock.write('addPeerInfo');
    this.peers.set(key, info);
    releasePeers();
    await this.peerSeen(key);
  }

  /** L1: no check that the peer exists, so an absent key gets a lastSeen entry. */
  async peerSeen(key: string): Promise<void> {
    const release = await this.lastSeenLock.write('peerSeen');
    this.lastSeen.set(key, this.#opts.clock.now());
    release();
  }

  /** L6: takes peers -> connections -> lastSeen, the opposite order to connect and add. */
  async removeConnectedPeer(key: string, reason: DisconnectReason = 'removed'): Promise<void> {
    const releasePeers = await this.peersLock.write('removeConnectedPeer');
    let handle: LegacyConnectionHandle | undefined;
    let info: PeerInfo | undefined;
    try {
      const releaseConnections = await this.connectionsLock.write('removeConnectedPeer');
      try {
        const releaseLastSeen = await this.lastSeenLock.write('removeConnectedPeer');
        handle = this.connections.get(key);
        info = this.peers.get(key);
        this.connections.delete(key);
        this.peers.delete(key);
        this.lastSeen.delete(key);
        releaseLastSeen();
      } finally {
        releaseConnections();
      }
    } finally {
      releasePeers();
    }
    this.#dropped(key, handle, info, reason);
  }

  /** Removes the connection only; the peer info stays, on purpose in the original (L2). */
  async removePeerConnection(key: string, reason: DisconnectReason = 'removed'): Promise<void> {
    const release = await this.connectionsLock.write('removePeerConnection');
    const handle = this.connections.get(key);
    this.connections.delete(key);
    release();
    this.#dropped(key, handle, this.peers.get(key), reason);
  }

  /** Removes from connections and peers but not lastSeen (L3): the reaper meets it later. */
  async removeDeadConnection(key: string, reason: DisconnectReason = 'closed-by-peer'): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('removeDeadConnection');
    let handle: LegacyConnectionHandle | undefined;
    let info: PeerInfo | undefined;
    try {
      const releasePeers = await this.peersLock.write('removeDeadConnection');
      handle = this.connections.get(key);
      info = this.peers.get(key);
      this.connections.delete(key);
      this.peers.delete(key);
      releasePeers();
    } finally {
      releaseConnections();
    }
    this.#dropped(key, handle, info, reason);
  }

  async getPeer(key: string): Promise<PeerInfo | undefined> {
    const release = await this.peersLock.read('getPeer');
    const info = this.peers.get(key);
    release();
    return info;
  }

  /** Keys of connections, then a second lock to look each up in peers: only keys in both. */
  async getConnectedPeers(): Promise<PeerInfo[]> {
    const releaseConnections = await this.connectionsLock.read('getConnectedPeers');
    const keys = [...this.connections.keys()];
    releaseConnections();
    const releasePeers = await this.peersLock.read('getConnectedPeers');
    const infos: PeerInfo[] = [];
    for (const key of keys) {
      const info = this.peers.get(key);
      if (info) infos.push(info);
    }
    releasePeers();
    return infos;
  }

  /** IPs from the values of `peers`: phantom peers with no connection included (L2). */
  async getPeerIps(): Promise<string[]> {
    const release = await this.peersLock.read('getPeerIps');
    const ips = [...this.peers.values()].map((info) => info.ip);
    release();
    return ips;
  }

  /** All of `peers`, connected or not. */
  async getPeers(): Promise<PeerInfo[]> {
    const release = await this.peersLock.read('getPeers');
    const infos = [...this.peers.values()];
    release();
    return infos;
  }

  /**
   * Three lock acquisitions on success: connections (read), the connection's mutex, lastSeen
   * (write, through peerSeen). Any failure removes the peer.
   */
  async sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    const releaseConnections = await this.connectionsLock.read('sendToPeer');
    const handle = this.connections.get(key);
    releaseConnections();
    if (!handle) throw new NoConnectionError(key, 'No TCP connection available');
    const releaseMutex = await handle.mutex.write('sendToPeer');
    try {
      await handle.connection.send(message);
    } catch (err) {
      releaseMutex();
      await this.removePeerConnection(key, 'send-failed');
      await this.removeConnectedPeer(key, 'send-failed');
      const detail = err instanceof Error ? err.message : String(err);
      throw new SendError(key, `Connection failed: ${detail} (auto-reconnect scheduled)`, { cause: err });
    }
    releaseMutex();
    await this.peerSeen(key);
  }

  /** broadcastMessage: one send per entry of `peers`, one after another, phantoms included. */
  async broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    const releasePeers = await this.peersLock.read('broadcast');
    const keys = [...this.peers.keys()];
    releasePeers();
    const result: BroadcastResult = { sent: 0, failed: 0, skipped: 0 };
    for (const key of keys) {
      try {
        await this.sendToPeer(key, message);
        result.sent++;
      } catch {
        result.failed++;
      }
    }
    return result;
  }

  /** Keys in `peers` that also have a connection, minus our own IP; sent in parallel. */
  async broadcastBlockProposal(proposal: BlockProposalInput): Promise<BroadcastResult> {
    const releasePeers = await this.peersLock.read('broadcastBlockProposal');
    const candidates = [...this.peers.entries()];
    releasePeers();
    const releaseConnections = await this.connectionsLock.read('broadcastBlockProposal');
    const targets: string[] = [];
    let skipped = 0;
    for (const [key, info] of candidates) {
      if (!this.connections.has(key)) continue;
      if (info.ip === this.#opts.publicIp) skipped++;
      else targets.push(key);
    }
    releaseConnections();
    const message: NetworkMessage = { type: 'BlockProposal', ...proposal };
    const outcomes = await Promise.allSettled(targets.map((key) => this.sendToPeer(key, message)));
    const sent = outcomes.filter((o) => o.status === 'fulfilled').length;
    return { sent, failed: outcomes.length - sent, skipped };
  }

  getPoolStats(): PoolStats {
    const now = this.#opts.clock.now();
    let stale = 0;
    let oldest = now;
    for (const [key, handle] of this.connections) {
      const seen = this.lastSeen.get(key);
      if (seen === undefined || now - seen > this.#opts.staleAfterMs) stale++;
      oldest = Math.min(oldest, handle.connectedAt);
    }
    const total = this.connections.size;
    const healthy = total - stale;
    return {
      total,
      healthy,
      stale,
      // Legacy keeps no health score: a live peer counts 100, a stale one 0.
      averageHealth: total === 0 ? 0 : (100 * healthy) / total,
      oldestConnectionAgeS: total === 0 ? 0 : (now - oldest) / 1000,
      locks: this.locks.stats(),
      disconnects: { ...this.#disconnects },
      protocolErrors: this.#protocolErrors,
      maps: { connections: this.connections.size, peers: this.peers.size, lastSeen: this.lastSeen.size },
    };
  }

  /** Every key in any of the three maps, with whatever each map holds for it. */
  snapshot(): PoolSnapshot {
    const now = this.#opts.clock.now();
    const keys = new Set([...this.connections.keys(), ...this.peers.keys(), ...this.lastSeen.keys()]);
    const entries: SnapshotEntry[] = [];
    for (const key of keys) entries.push(this.#snapshotEntry(key, now));
    return { takenAt: now, entries };
  }

  snapshotEntry(key: string): SnapshotEntry | undefined {
    if (!this.connections.has(key) && !this.peers.has(key) && !this.lastSeen.has(key)) return undefined;
    return this.#snapshotEntry(key, this.#opts.clock.now());
  }

  #snapshotEntry(key: string, now: number): SnapshotEntry {
    const seen = this.lastSeen.get(key);
    const handle = this.connections.get(key);
    return {
      key,
      info: this.peers.get(key),
      lastSeen: seen,
      liveness: seen === undefined ? 'unknown' : now - seen > this.#opts.staleAfterMs ? 'stale' : 'alive',
      connectedAt: handle?.connectedAt,
      connected: handle !== undefined,
    };
  }

  resources(): ResourceCounts {
    return {
      timers: this.#keepAlives.size,
      backgroundTimers: this.#background.size + this.watchdog.timers,
      socketListeners: this.#attached.size * LISTENERS_PER_CONNECTION,
      lockHolders: this.locks.holders().length,
      lockWaiters: this.locks.waiters().length,
      entries: Math.max(this.connections.size, this.peers.size, this.lastSeen.size),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }

  #handle(key: string, connection: Connection): LegacyConnectionHandle {
    const mutex = this.locks.lock(`connection:${key}`);
    const handle: LegacyConnectionHandle = {
      connection,
      connectedAt: this.#opts.clock.now(),
      mutex,
      detach: attachConnection(connection, {
        seen: () => void this.peerSeen(key).catch(() => undefined),
        message: (message) => this.emit('message', { key, message }),
        // No identity check: a late close of an old connection removes its replacement (L5).
        close: () => {
          this.#forget(handle);
          // `closed-by-peer` unless the connection itself dropped the peer (the transport's rate limit).
          void this.removeDeadConnection(key, connection.droppedFor).catch(() => undefined);
        },
        protocolError: (error) => {
          this.#protocolErrors++;
          this.emit('protocol-error', { key, error });
        },
      }),
    };
    this.#attached.add(handle);
    return handle;
  }

  #forget(handle: LegacyConnectionHandle): void {
    if (!this.#attached.delete(handle)) return;
    handle.detach();
    this.locks.forget(handle.mutex);
  }

  /** What follows a removal from the maps: the dropped connection closes (Rust drops the Arc). */
  #dropped(key: string, handle: LegacyConnectionHandle | undefined, info: PeerInfo | undefined, reason: DisconnectReason): void {
    if (!handle) return;
    this.#forget(handle);
    handle.connection.close(reason);
    this.#disconnects[reason] = (this.#disconnects[reason] ?? 0) + 1;
    this.emit('peer:disconnected', { key, info, reason });
  }

  /**
   * One task per connect or add, bound to the connection it was started with (L4): it runs while
   * the key is in `connections`, whatever connection is there now, and on exit deletes the key
   * from all three maps one after another, wiping a replacement inserted meanwhile.
   */
  #spawnKeepAlive(key: string, handle: LegacyConnectionHandle): void {
    let busy = false;
    const timer = this.#keepAlives.interval(() => {
      if (busy) return;
      busy = true;
      void this.#keepAliveTick(key, handle, timer)
        .catch((err: unknown) => this.#opts.logger.debug({ key, err }, 'keep-alive task ended by error'))
        .finally(() => (busy = false));
    }, this.#opts.keepAliveIntervalMs);
  }

  async #keepAliveTick(key: string, handle: LegacyConnectionHandle, timer: TimerHandle): Promise<void> {
    const releaseRead = await this.connectionsLock.read('keepAlive');
    const present = this.connections.has(key);
    releaseRead();
    if (!present) {
      this.#keepAlives.clear(timer);
      const releaseConnections = await this.connectionsLock.write('keepAliveExit');
      const wiped = this.connections.get(key);
      this.connections.delete(key);
      releaseConnections();
      const releasePeers = await this.peersLock.write('keepAliveExit');
      const info = this.peers.get(key);
      this.peers.delete(key);
      releasePeers();
      const releaseLastSeen = await this.lastSeenLock.write('keepAliveExit');
      this.lastSeen.delete(key);
      releaseLastSeen();
      if (wiped) this.#dropped(key, wiped, info, 'removed');
      // The task held the last reference to the connection it captured: it closes now.
      if (this.#attached.has(handle)) this.#dropped(key, handle, undefined, 'replaced');
      return;
    }
    const releaseMutex = await handle.mutex.write('keepAlive');
    try {
      await handle.connection.ping();
      await this.peerSeen(key);
    } catch (err) {
      // Closed before or during the ping (the peer said goodbye, or this pool is closing): not a
      // failed ping; the close itself is reported, as the peer's disconnect.
      if (!(err instanceof ConnectionClosedError)) this.#opts.logger.warn({ key, err: (err as Error).message }, 'keep-alive ping failed');
    } finally {
      releaseMutex();
    }
  }

  async #reap(): Promise<void> {
    const release = await this.lastSeenLock.read('reaper');
    const now = this.#opts.clock.now();
    const stale: string[] = [];
    for (const [key, seen] of this.lastSeen) if (now - seen > this.#opts.staleAfterMs) stale.push(key);
    release();
    for (const key of stale) {
      this.#opts.logger.warn({ peer: key }, 'Peer down (heartbeat timeout)');
      await this.removeConnectedPeer(key, 'stale').catch(() => undefined);
    }
  }
}
