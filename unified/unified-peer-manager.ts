import { EventEmitter } from 'node:events';
import { formatAddress, parseAddress } from '../src/contract/address.js';
import { encodeMessage } from '../src/contract/codec.js';
import { TimerSet } from '../src/contract/clock.js';
import type { Connection } from '../src/contract/connection.js';
import { attachConnection, LISTENERS_PER_CONNECTION } from '../src/pool/connection-listeners.js';
import {
  BackpressureError,
  ConnectionClosedError,
  NoConnectionError,
  PeerDeniedError,
  PeerLimitError,
  PoolClosedError,
  PoolshiftError,
  SelfConnectionError,
  SendError,
  SendTimeoutError,
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
import { Admission } from './admission.js';
import { DialQueue } from './dial-queue.js';
import { duplicateWinner } from './duplicate-rule.js';
import { KeepAliveQueue } from './keep-alive-queue.js';
import { PoolEntry } from './pool-entry.js';
import type { UnifiedPeerConnection } from './unified-peer-connection.js';

/** Health points: a failure costs more than a success earns, so a flaky peer sinks. */
export const HEALTH_PENALTY_PING = 25;
export const HEALTH_PENALTY_SEND = 20;
export const HEALTH_REWARD = 5;

type Entry = UnifiedPeerConnection<Connection, PeerInfo>;

/**
 * One map of UnifiedPeerConnection. A map read or update between two awaits is atomic in
 * JavaScript, so reads, peerSeen, sends and the reaper's scan take no lock; the one lock
 * serialises the structural writes (insert, remove) as the original's single write lock did.
 * Removal happens only while the entry still holds the same connection (fixes L4, L5).
 */
export class UnifiedPeerManager extends EventEmitter<PoolEvents> implements PeerPool {
  readonly connections: Map<string, PoolEntry>;
  readonly locks: LockMonitor;
  readonly lock: RwLock;
  readonly watchdog: LockWatchdog;
  readonly admission: Admission;

  readonly #opts: ResolvedPoolOptions;
  readonly #dials: DialQueue | undefined;
  /** connectToPeer calls in flight, by address: a second call for one address shares the first. */
  readonly #connecting = new Map<string, Promise<PeerInfo>>();
  #backpressureSkips = 0;
  readonly #background: TimerSet;
  /** One timer pings every peer, each on its own cadence. */
  readonly #keepAlive: KeepAliveQueue<PoolEntry>;
  /** Connections carrying this manager's listeners. */
  #attached = 0;
  readonly #disconnects: Partial<Record<DisconnectReason, number>> = {};
  #protocolErrors = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    super();
    this.#opts = resolvePoolOptions(options);
    this.connections = this.#opts.createMap();
    this.locks = new LockMonitor(this.#opts.clock);
    this.lock = this.locks.lock('connections');
    this.#background = new TimerSet(this.#opts.clock);
    this.#keepAlive = new KeepAliveQueue(this.#opts.clock, this.#opts.keepAliveIntervalMs, (entry) => void this.#keepAliveTick(entry));
    this.watchdog = new LockWatchdog({
      monitor: this.locks,
      boundMs: this.#opts.lockWaitBoundMs,
      logger: this.#opts.logger,
      ...(this.#opts.onLockStall ? { onStall: this.#opts.onLockStall } : {}),
    });
    const limits = this.#opts.limits;
    this.admission = new Admission(limits);
    const dialer = this.#opts.dialer;
    this.#dials = dialer
      ? new DialQueue({
          dialer,
          clock: this.#opts.clock,
          concurrency: limits.dialConcurrency,
          maxQueued: limits.dialQueueLength,
          timeoutMs: limits.dialTimeoutMs,
        })
      : undefined;
  }

  start(): void {
    if (this.#closed || this.#background.size > 0) return;
    this.#background.interval(() => {
      this.reap();
      this.sweepSlowPeers();
    }, this.#opts.reaperIntervalMs);
    this.watchdog.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#background.clearAll();
    this.#keepAlive.clear();
    this.watchdog.stop();
    this.locks.cancelAll();
    this.#dials?.close();
    for (const entry of this.connections.values()) {
      entry.held = false;
      entry.detach();
      entry.connection.close('shutdown');
    }
    this.#attached = 0;
    this.connections.clear();
  }

  /**
   * Dials through the dial queue (bounded, timed out) unless the outbound cap or the deny list
   * refuses first. Concurrent calls for one address share one dial.
   */
  connectToPeer(address: string | PeerAddress): Promise<PeerInfo> {
    let addr: PeerAddress;
    try {
      addr = parseAddress(address);
      this.#assertOpen();
      if (addr.host === this.#opts.publicIp) throw new SelfConnectionError(addr.host);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const text = formatAddress(addr);
    const shared = this.#connecting.get(text);
    if (shared) return shared;
    const connecting = this.#connect(addr, text).finally(() => this.#connecting.delete(text));
    this.#connecting.set(text, connecting);
    return connecting;
  }

  async #connect(addr: PeerAddress, text: string): Promise<PeerInfo> {
    const dials = this.#dials;
    if (!dials) throw new PoolshiftError('POOLSHIFT_ERR_NO_DIALER', 'this pool was made without a dialer');
    const refusal = this.admission.check(addr.host, 'outbound', dials.size);
    if (refusal) throw this.#refusalError(text, this.admission.refuse(refusal), 'outbound');
    const { connection, info } = await dials.dial(addr);
    return this.#insert(connection, info, 'connectToPeer');
  }

  async addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    this.#assertOpen();
    if (info.ip === this.#opts.publicIp) throw new SelfConnectionError(this.#opts.keyOf(info));
    await this.#insert(connection, info, 'addConnectedPeer');
  }

  /**
   * Whether an inbound peer that has just said Hello would be taken: the listener asks before
   * answering, so a peer past the limit is refused with the reason instead of taken and dropped.
   * A peer already held (a reconnect, a simultaneous dial) is never refused for the limit.
   */
  admitInbound(info: PeerInfo): DisconnectReason | undefined {
    if (this.#closed) return 'shutdown';
    const reason = this.connections.has(this.#opts.keyOf(info))
      ? this.admission.ipFilter.verdict(info.ip) === 'denied'
        ? 'banned'
        : undefined
      : this.admission.check(info.ip, 'inbound');
    return reason === undefined ? undefined : this.admission.refuse(reason);
  }

  /** Absent key: nothing to do (fixes L1). No lock, no allocation. */
  peerSeen(key: string): void {
    const entry = this.connections.get(key);
    if (entry !== undefined) entry.lastSeen = this.#opts.clock.now();
  }

  async removeConnectedPeer(key: string, reason: DisconnectReason = 'removed'): Promise<void> {
    const release = await this.lock.write('removeConnectedPeer');
    try {
      const entry = this.connections.get(key);
      if (entry) this.#remove(key, entry.connection, reason);
    } finally {
      release();
    }
  }

  async getPeer(key: string): Promise<PeerInfo | undefined> {
    return this.connections.get(key)?.info;
  }

  async getConnectedPeers(): Promise<PeerInfo[]> {
    const infos: PeerInfo[] = [];
    for (const entry of this.connections.values()) infos.push(entry.info);
    return infos;
  }

  async getPeerIps(): Promise<string[]> {
    const ips: string[] = [];
    for (const entry of this.connections.values()) ips.push(entry.info.ip);
    return ips;
  }

  /** One map lookup, no lock. A failure penalises the peer and removes that connection. */
  sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    const entry = this.connections.get(key);
    // Not async: an async function returning #send's promise would cost two more turns per send.
    if (entry === undefined) return Promise.reject(new NoConnectionError(key));
    return this.#send(key, entry, message, undefined);
  }

  /**
   * The send itself; `encoded`, where given, is `message` already encoded (by a broadcast). Not
   * async: a broadcast makes one per peer, and an async function's extra promise and resumption
   * cost more than the two handlers.
   */
  #send(key: string, entry: Entry, message: NetworkMessage, encoded: string | undefined): Promise<void> {
    const connection = entry.connection;
    let sending: Promise<void>;
    try {
      sending = encoded !== undefined && connection.sendEncoded ? connection.sendEncoded(encoded) : connection.send(message);
    } catch (err) {
      sending = Promise.reject(err as Error);
    }
    return sending.then(
      () => {
        entry.lastSeen = this.#opts.clock.now();
        entry.reward(HEALTH_REWARD);
      },
      (err: unknown) => {
        entry.penalize(HEALTH_PENALTY_SEND);
        // A slow reader is not a dead one: the caller (or broadcast) decides; the peer stays.
        if (err instanceof BackpressureError) throw err;
        // Not flushed within the send timeout: the peer is not reading.
        this.#remove(key, connection, err instanceof SendTimeoutError ? 'slow' : 'send-failed');
        const detail = err instanceof Error ? err.message : String(err);
        throw new SendError(key, `send to ${key} failed: ${detail}`, { cause: err });
      },
    );
  }

  broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    return this.#broadcast(message);
  }

  broadcastBlockProposal(proposal: BlockProposalInput): Promise<BroadcastResult> {
    return this.#broadcast({ type: 'BlockProposal', ...proposal });
  }

  /** Removes every stale peer: one pass over one map. Returns the keys removed. */
  reap(): string[] {
    const now = this.#opts.clock.now();
    const staleAfter = this.#opts.staleAfterMs;
    const reaped: PoolEntry[] = [];
    for (const entry of this.connections.values()) {
      if (entry.isStale(staleAfter, now)) reaped.push(entry);
    }
    const logger = this.#opts.logger;
    const keys: string[] = [];
    for (const entry of reaped) {
      keys.push(entry.key);
      // An earlier removal's listener may have removed or replaced this one meanwhile.
      if (!entry.held) continue;
      logger.warn({ peer: entry.key }, 'Peer down (heartbeat timeout)');
      this.#drop(entry, 'stale');
    }
    return keys;
  }

  getPoolStats(): PoolStats {
    const now = this.#opts.clock.now();
    let healthy = 0;
    let stale = 0;
    let health = 0;
    let oldest = now;
    for (const entry of this.connections.values()) {
      if (entry.isHealthy) healthy++;
      if (entry.isStale(this.#opts.staleAfterMs, now)) stale++;
      health += entry.health;
      if (entry.connectedAt < oldest) oldest = entry.connectedAt;
    }
    const total = this.connections.size;
    return {
      total,
      healthy,
      stale,
      averageHealth: total === 0 ? 0 : health / total,
      oldestConnectionAgeS: total === 0 ? 0 : (now - oldest) / 1000,
      locks: this.locks.stats(),
      disconnects: { ...this.#disconnects },
      protocolErrors: this.#protocolErrors,
      refused: this.admission.refused(),
      backpressureSkips: this.#backpressureSkips,
      maps: { connections: total },
    };
  }

  snapshot(): PoolSnapshot {
    const now = this.#opts.clock.now();
    const entries: SnapshotEntry[] = [];
    for (const [key, entry] of this.connections) entries.push(this.#snapshotEntry(key, entry, now));
    return { takenAt: now, entries };
  }

  snapshotEntry(key: string): SnapshotEntry | undefined {
    const entry = this.connections.get(key);
    return entry && this.#snapshotEntry(key, entry, this.#opts.clock.now());
  }

  #snapshotEntry(key: string, entry: UnifiedPeerConnection, now: number): SnapshotEntry {
    return {
      key,
      info: entry.info,
      lastSeen: entry.lastSeen,
      liveness: entry.isStale(this.#opts.staleAfterMs, now) ? 'stale' : 'alive',
      connectedAt: entry.connectedAt,
      connected: true,
    };
  }

  resources(): ResourceCounts {
    return {
      timers: this.#keepAlive.timers + (this.#dials?.timers ?? 0),
      backgroundTimers: this.#background.size + this.watchdog.timers,
      socketListeners: this.#attached * LISTENERS_PER_CONNECTION,
      lockHolders: this.locks.holders().length,
      lockWaiters: this.locks.waiters().length,
      entries: this.connections.size,
      admitted: this.admission.inbound + this.admission.outbound,
      keepAlives: this.#keepAlive.size,
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }

  /**
   * Takes a connection under the lock. Returns the info of the connection held for the key
   * afterwards: the incoming one's, or the held one's when the duplicate rule keeps that.
   */
  async #insert(connection: Connection, info: PeerInfo, op: string): Promise<PeerInfo> {
    const key = this.#opts.keyOf(info);
    const release = await this.lock.write(op);
    try {
      if (this.#closed) {
        connection.close('shutdown');
        throw new PoolClosedError();
      }
      const previous = this.connections.get(key);
      if (previous && previous.connection === connection) return previous.info;
      if (previous && previous.connection.isOpen) {
        const winner = duplicateWinner(this.#opts.identity.nodeId, previous.info, info);
        if (winner === previous.info.direction) {
          connection.close('duplicate');
          this.#disconnects.duplicate = (this.#disconnects.duplicate ?? 0) + 1;
          return previous.info;
        }
      }
      const refusal = previous
        ? this.admission.ipFilter.verdict(info.ip) === 'denied' ? 'banned' : undefined
        : this.admission.check(info.ip, info.direction);
      if (refusal) {
        connection.close(this.admission.refuse(refusal));
        throw this.#refusalError(key, refusal, info.direction);
      }
      // A replacement closes the connection it replaces: no second owner, no leaked task (L4).
      if (previous) {
        const duplicate = previous.connection.isOpen && duplicateWinner(this.#opts.identity.nodeId, previous.info, info) !== undefined;
        this.#remove(key, previous.connection, duplicate ? 'duplicate' : 'replaced');
      }
      const entry = new PoolEntry(key, connection, info, { clock: this.#opts.clock });
      this.connections.set(key, entry);
      entry.held = true;
      this.admission.added(info.direction);
      this.#attach(entry);
    } finally {
      release();
    }
    this.emit('peer:connected', { key, info });
    return info;
  }

  #attach(entry: PoolEntry): void {
    const { key, connection } = entry;
    entry.detach = attachConnection(connection, {
      seen: () => this.peerSeen(key),
      message: (message) => this.emit('message', { key, message }),
      close: () => this.#remove(key, connection, 'closed-by-peer'),
      protocolError: (error) => {
        this.#protocolErrors++;
        this.emit('protocol-error', { key, error });
      },
    });
    this.#attached++;
    this.#keepAlive.add(entry);
  }

  /** Removes `key` only if it still holds `connection`; closes `connection` either way. */
  #remove(key: string, connection: Connection, reason: DisconnectReason): boolean {
    // A close the connection decided itself (the transport's rate limit) is reported with its reason.
    if (reason === 'closed-by-peer' && connection.droppedFor !== undefined) reason = connection.droppedFor;
    const entry = this.connections.get(key);
    if (entry !== undefined && entry.connection === connection) {
      this.#drop(entry, reason);
      return true;
    }
    // Not held (removed or replaced already): its listeners and keep-alive went with its entry.
    if (reason !== 'closed-by-peer') connection.close(reason);
    return false;
  }

  /** Forgets a held entry: its listeners, keep-alive and counts go with it. */
  #drop(entry: PoolEntry, reason: DisconnectReason): void {
    const { key, connection, info } = entry;
    entry.held = false;
    entry.detach();
    this.#attached--;
    this.#keepAlive.delete(entry);
    this.connections.delete(key);
    this.admission.removed(info.direction);
    this.#disconnects[reason] = (this.#disconnects[reason] ?? 0) + 1;
    // Before the close: a listener (the dual-mode pool) hears of the removal before any close
    // event a connection may emit synchronously.
    this.emit('peer:disconnected', { key, info, reason });
    if (reason !== 'closed-by-peer') connection.close(reason);
  }

  /** The queue pings held entries only: a removed or replaced one has left it. */
  async #keepAliveTick(entry: PoolEntry): Promise<void> {
    const { key, connection } = entry;
    try {
      await connection.ping();
      entry.lastSeen = this.#opts.clock.now();
      entry.reward(HEALTH_REWARD);
    } catch (err) {
      // Closed before or during the ping (the peer said goodbye, or this pool is closing): not a
      // failed ping, and no penalty; the close is reported as the disconnect.
      if (!(err instanceof ConnectionClosedError)) {
        entry.penalize(HEALTH_PENALTY_PING);
        this.#opts.logger.warn({ key, err: (err as Error).message, health: entry.health }, 'keep-alive ping failed');
      }
      if (!connection.isOpen) this.#remove(key, connection, 'closed-by-peer');
    }
  }

  async #broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    const result: BroadcastResult = { sent: 0, failed: 0, skipped: 0 };
    const highWaterMark = this.#opts.limits.highWaterMark;
    // Encoded once for every peer, not once per peer.
    const encoded = encodeMessage(message);
    // A count and two handlers for the whole broadcast, not a Promise.all and closures per peer.
    let outstanding = 1;
    let finish!: (result: BroadcastResult) => void;
    const done = new Promise<BroadcastResult>((resolve) => (finish = resolve));
    const settled = (): void => {
      if (--outstanding === 0) finish(result);
    };
    const sent = (): void => {
      result.sent++;
      settled();
    };
    const failed = (err: unknown): void => {
      if (err instanceof BackpressureError) {
        result.skipped++;
        this.#backpressureSkips++;
      } else result.failed++;
      settled();
    };
    for (const [key, entry] of this.connections) {
      if (entry.info.ip === this.#opts.publicIp) {
        result.skipped++;
        continue;
      }
      // A peer that is not reading is skipped, not queued for: its buffer stays bounded.
      if (entry.connection.bufferedAmount > highWaterMark) {
        result.skipped++;
        this.#backpressureSkips++;
        this.#markOver(key, entry.connection);
        continue;
      }
      outstanding++;
      this.#send(key, entry, message, encoded).then(sent, failed);
    }
    settled();
    return done;
  }

  /**
   * Checks every peer against the high-water mark (the reaper's tick calls this; so does each
   * broadcast, for the peers it skips): one over it for longer than slowPeerTimeoutMs is
   * disconnected `slow`; one back under it is forgotten. Returns the keys removed.
   */
  sweepSlowPeers(): string[] {
    const highWaterMark = this.#opts.limits.highWaterMark;
    const slow: string[] = [];
    for (const [key, entry] of this.connections) {
      if (entry.connection.bufferedAmount > highWaterMark) {
        if (this.#over(entry, false)) slow.push(key);
      } else if (entry.overSince !== undefined) entry.overSince = undefined;
    }
    for (const key of slow) {
      const entry = this.connections.get(key);
      if (entry) this.#disconnectSlow(key, entry.connection);
    }
    return slow;
  }

  /** Notes a held connection over the mark; true (and, if `act`, disconnected) once over it too long. */
  #markOver(key: string, connection: Connection, act = true): boolean {
    const entry = this.connections.get(key);
    return entry !== undefined && entry.connection === connection && this.#over(entry, act);
  }

  #over(entry: PoolEntry, act: boolean): boolean {
    const now = this.#opts.clock.now();
    if (entry.overSince === undefined) {
      entry.overSince = now;
      return false;
    }
    if (now - entry.overSince <= this.#opts.limits.slowPeerTimeoutMs) return false;
    if (act) this.#disconnectSlow(entry.key, entry.connection);
    return true;
  }

  #disconnectSlow(key: string, connection: Connection): void {
    this.#opts.logger.warn({ peer: key, bufferedAmount: connection.bufferedAmount }, 'peer too slow: disconnecting');
    // The socket will not drain: the closing handshake would wait behind the buffer.
    this.#remove(key, connection, 'slow');
    connection.terminate();
  }

  #refusalError(key: string, reason: DisconnectReason, direction: 'inbound' | 'outbound'): PoolshiftError {
    if (reason === 'banned') return new PeerDeniedError(key);
    const { maxPeers, maxOutbound } = this.admission;
    return new PeerLimitError(key, direction === 'outbound' ? `outbound cap ${maxOutbound} or maxPeers ${maxPeers} reached` : `maxPeers ${maxPeers} reached`);
  }
}
