import { EventEmitter } from 'node:events';
import { parseAddress } from '../src/address.js';
import { TimerSet, type TimerHandle } from '../src/clock.js';
import type { Connection } from '../src/connection.js';
import { attachConnection, LISTENERS_PER_CONNECTION } from '../src/connection-listeners.js';
import { BackpressureError, NoConnectionError, PoolClosedError, PoolshiftError, SelfConnectionError, SendError } from '../src/errors.js';
import { LockMonitor, type RwLock } from '../src/lock.js';
import { LockWatchdog } from '../src/lock-watchdog.js';
import type { NetworkMessage } from '../src/messages.js';
import type { BlockProposalInput, PeerPool, PoolEvents } from '../src/peer-pool.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from '../src/pool-options.js';
import type {
  BroadcastResult,
  DisconnectReason,
  PeerAddress,
  PeerInfo,
  PoolSnapshot,
  PoolStats,
  ResourceCounts,
  SnapshotEntry,
} from '../src/types.js';
import { UnifiedPeerConnection } from './unified-peer-connection.js';

/** Health points: a failure costs more than a success earns, so a flaky peer sinks. */
export const HEALTH_PENALTY_PING = 25;
export const HEALTH_PENALTY_SEND = 20;
export const HEALTH_REWARD = 5;

type Entry = UnifiedPeerConnection<Connection, PeerInfo>;

interface Attachment {
  readonly detach: () => void;
  readonly keepAlive: TimerHandle;
}

/**
 * One map of UnifiedPeerConnection. A map read or update between two awaits is atomic in
 * JavaScript, so reads, peerSeen, sends and the reaper's scan take no lock; the one lock
 * serialises the structural writes (insert, remove) as the original's single write lock did.
 * Removal happens only while the entry still holds the same connection (fixes L4, L5).
 */
export class UnifiedPeerManager extends EventEmitter<PoolEvents> implements PeerPool {
  readonly connections: Map<string, Entry>;
  readonly locks: LockMonitor;
  readonly lock: RwLock;
  readonly watchdog: LockWatchdog;

  readonly #opts: ResolvedPoolOptions;
  readonly #background: TimerSet;
  readonly #keepAlives: TimerSet;
  readonly #attached = new Map<Connection, Attachment>();
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
    this.#keepAlives = new TimerSet(this.#opts.clock);
    this.watchdog = new LockWatchdog({
      monitor: this.locks,
      boundMs: this.#opts.lockWaitBoundMs,
      logger: this.#opts.logger,
      ...(this.#opts.onLockStall ? { onStall: this.#opts.onLockStall } : {}),
    });
  }

  start(): void {
    if (this.#closed || this.#background.size > 0) return;
    this.#background.interval(() => this.reap(), this.#opts.reaperIntervalMs);
    this.watchdog.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#background.clearAll();
    this.#keepAlives.clearAll();
    this.watchdog.stop();
    this.locks.cancelAll();
    for (const [connection, attachment] of this.#attached) {
      attachment.detach();
      connection.close('shutdown');
    }
    this.#attached.clear();
    this.connections.clear();
  }

  async connectToPeer(address: string | PeerAddress): Promise<PeerInfo> {
    const addr = parseAddress(address);
    this.#assertOpen();
    if (addr.host === this.#opts.publicIp) throw new SelfConnectionError(addr.host);
    const dialer = this.#opts.dialer;
    if (!dialer) throw new PoolshiftError('POOLSHIFT_ERR_NO_DIALER', 'this pool was made without a dialer');
    const { connection, info } = await dialer(addr);
    await this.#insert(connection, info, 'connectToPeer');
    return info;
  }

  async addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    this.#assertOpen();
    if (info.ip === this.#opts.publicIp) throw new SelfConnectionError(this.#opts.keyOf(info));
    await this.#insert(connection, info, 'addConnectedPeer');
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
  async sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    const entry = this.connections.get(key);
    if (entry === undefined) throw new NoConnectionError(key);
    const connection = entry.connection;
    try {
      await connection.send(message);
    } catch (err) {
      entry.penalize(HEALTH_PENALTY_SEND);
      // A slow reader is not a dead one: the caller (or broadcast) decides; the peer stays.
      if (err instanceof BackpressureError) throw err;
      this.#remove(key, connection, 'send-failed');
      const detail = err instanceof Error ? err.message : String(err);
      throw new SendError(key, `send to ${key} failed: ${detail}`, { cause: err });
    }
    entry.lastSeen = this.#opts.clock.now();
    entry.reward(HEALTH_REWARD);
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
    const reaped: string[] = [];
    for (const [key, entry] of this.connections) {
      if (entry.isStale(staleAfter, now)) reaped.push(key);
    }
    for (const key of reaped) {
      const entry = this.connections.get(key);
      if (!entry) continue;
      this.#opts.logger.warn({ peer: key }, 'Peer down (heartbeat timeout)');
      this.#remove(key, entry.connection, 'stale');
    }
    return reaped;
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
      maps: { connections: total },
    };
  }

  snapshot(): PoolSnapshot {
    const now = this.#opts.clock.now();
    const entries: SnapshotEntry[] = [];
    for (const [key, entry] of this.connections) {
      entries.push({
        key,
        info: entry.info,
        lastSeen: entry.lastSeen,
        liveness: entry.isStale(this.#opts.staleAfterMs, now) ? 'stale' : 'alive',
        connectedAt: entry.connectedAt,
        connected: true,
      });
    }
    return { takenAt: now, entries };
  }

  resources(): ResourceCounts {
    return {
      timers: this.#keepAlives.size,
      backgroundTimers: this.#background.size + this.watchdog.timers,
      socketListeners: this.#attached.size * LISTENERS_PER_CONNECTION,
      lockHolders: this.locks.holders().length,
      lockWaiters: this.locks.waiters().length,
      entries: this.connections.size,
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new PoolClosedError();
  }

  async #insert(connection: Connection, info: PeerInfo, op: string): Promise<void> {
    const key = this.#opts.keyOf(info);
    const release = await this.lock.write(op);
    try {
      if (this.#closed) {
        connection.close('shutdown');
        throw new PoolClosedError();
      }
      const previous = this.connections.get(key);
      // A replacement closes the connection it replaces: no second owner, no leaked task (L4).
      if (previous) this.#remove(key, previous.connection, 'replaced');
      const entry = UnifiedPeerConnection.from(connection, info, { clock: this.#opts.clock });
      this.connections.set(key, entry);
      this.#attach(key, connection);
    } finally {
      release();
    }
    this.emit('peer:connected', { key, info });
  }

  #attach(key: string, connection: Connection): void {
    const detach = attachConnection(connection, {
      seen: () => this.peerSeen(key),
      message: (message) => this.emit('message', { key, message }),
      close: () => this.#remove(key, connection, 'closed-by-peer'),
      protocolError: (error) => {
        this.#protocolErrors++;
        this.emit('protocol-error', { key, error });
      },
    });
    const keepAlive = this.#keepAlives.interval(() => void this.#keepAliveTick(key, connection), this.#opts.keepAliveIntervalMs);
    this.#attached.set(connection, { detach, keepAlive });
  }

  /** Removes `key` only if it still holds `connection`. */
  #remove(key: string, connection: Connection, reason: DisconnectReason): boolean {
    const entry = this.connections.get(key);
    const attachment = this.#attached.get(connection);
    if (attachment) {
      attachment.detach();
      this.#keepAlives.clear(attachment.keepAlive);
      this.#attached.delete(connection);
    }
    if (reason !== 'closed-by-peer') connection.close(reason);
    if (!entry || entry.connection !== connection) return false;
    this.connections.delete(key);
    this.#disconnects[reason] = (this.#disconnects[reason] ?? 0) + 1;
    this.emit('peer:disconnected', { key, info: entry.info, reason });
    return true;
  }

  /** Re-reads the entry at each tick; a task whose connection was replaced or removed stops. */
  async #keepAliveTick(key: string, connection: Connection): Promise<void> {
    const entry = this.connections.get(key);
    if (!entry || entry.connection !== connection) {
      this.#remove(key, connection, 'replaced');
      return;
    }
    try {
      await connection.ping();
      entry.lastSeen = this.#opts.clock.now();
      entry.reward(HEALTH_REWARD);
    } catch (err) {
      entry.penalize(HEALTH_PENALTY_PING);
      this.#opts.logger.warn({ key, err: (err as Error).message, health: entry.health }, 'keep-alive ping failed');
      if (!connection.isOpen) this.#remove(key, connection, 'closed-by-peer');
    }
  }

  async #broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    const result: BroadcastResult = { sent: 0, failed: 0, skipped: 0 };
    const pending: Promise<void>[] = [];
    for (const [key, entry] of this.connections) {
      if (entry.info.ip === this.#opts.publicIp) {
        result.skipped++;
        continue;
      }
      pending.push(
        this.sendToPeer(key, message).then(
          () => void result.sent++,
          (err: unknown) => void (err instanceof BackpressureError ? result.skipped++ : result.failed++),
        ),
      );
    }
    await Promise.all(pending);
    return result;
  }
}
