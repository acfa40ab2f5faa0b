/** The facts every part of poolshift agrees on. Behaviour lives elsewhere; this file is data. */

export type Direction = 'inbound' | 'outbound';

export interface PeerInfo {
  /** The peer's IP as seen on the socket (inbound) or dialled (outbound). */
  readonly ip: string;
  /** The peer's listening port, from the handshake. */
  readonly port: number;
  /** The peer's software version, from the handshake; "unknown" when it did not say. */
  readonly version: string;
  readonly direction: Direction;
  readonly nodeId: string;
}

/** A parsed `host:port`. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Why a peer left. Sent to the peer as the close reason where we close, and counted in the
 * pool stats.
 */
export type DisconnectReason =
  | 'shutdown'
  | 'removed'
  | 'stale'
  | 'closed-by-peer'
  | 'send-failed'
  | 'replaced'
  | 'protocol-error'
  | 'too-many-peers'
  | 'duplicate'
  | 'timeout'
  | 'banned'
  | 'slow'
  /** The connection itself dropped the peer: it kept sending over its rate limit (transport). */
  | 'rate-exceeded';

export type Liveness = 'alive' | 'stale' | 'unknown';

/**
 * One peer as a manager holds it: exactly what shadow mode diffs. Legacy keeps three maps, so
 * any of its fields may be missing for a key (that is L1-L3); unified always has all of them.
 */
export interface SnapshotEntry {
  readonly key: string;
  readonly info: PeerInfo | undefined;
  /** ms, from the injected clock; undefined where the manager holds no lastSeen for the key. */
  readonly lastSeen: number | undefined;
  readonly liveness: Liveness;
  readonly connectedAt: number | undefined;
  /** Whether the manager holds a connection for the key. */
  readonly connected: boolean;
}

export interface PoolSnapshot {
  readonly takenAt: number;
  readonly entries: readonly SnapshotEntry[];
}

export interface BroadcastResult {
  /** Sends that completed. */
  sent: number;
  /** Sends attempted that failed (or peers listed with no connection to send on). */
  failed: number;
  /** Peers deliberately not sent to (our own IP, a peer over the high-water mark). */
  skipped: number;
}

export interface LockStats {
  /** Acquisitions since creation, read and write. */
  readonly acquisitions: number;
  /** Acquisitions that had to wait. */
  readonly contended: number;
  readonly waitMsTotal: number;
  readonly heldMsTotal: number;
  /** Operation names holding a lock now (one per holder). */
  readonly holders: readonly string[];
  /** Operation names waiting for a lock now. */
  readonly waiters: readonly string[];
}

export interface PoolStats {
  /** Peers held with a connection. */
  readonly total: number;
  readonly healthy: number;
  readonly stale: number;
  /** 0..100; 0 when empty. */
  readonly averageHealth: number;
  /** Age of the oldest connection, in seconds; 0 when empty. */
  readonly oldestConnectionAgeS: number;
  readonly locks: LockStats;
  /** Disconnects counted by reason since start. */
  readonly disconnects: Readonly<Partial<Record<DisconnectReason, number>>>;
  /** Frames refused as protocol errors since start. */
  readonly protocolErrors: number;
  /** Peers refused by the pool's admission (limits, deny list), by reason. Unified only. */
  readonly refused?: Readonly<Partial<Record<DisconnectReason, number>>>;
  /** Broadcast sends skipped because the peer was over the high-water mark. Unified only. */
  readonly backpressureSkips?: number;
  /** The size of each map the manager keeps: one for unified, three for legacy. */
  readonly maps: Readonly<Record<string, number>>;
}

/** What a component still holds: all zero after `close()` or once every peer has left. */
export interface ResourceCounts {
  /** Per-peer timers (keep-alive tasks): zero once every peer has left. */
  readonly timers: number;
  /** Pool-wide timers (reaper, lock watchdog): running between start() and close(). */
  readonly backgroundTimers: number;
  readonly socketListeners: number;
  readonly lockHolders: number;
  readonly lockWaiters: number;
  readonly entries: number;
  /** Admission slots taken (peers counted against the limits); where the manager keeps such a count. */
  readonly admitted?: number;
  /** Peers with a keep-alive scheduled, where the manager keeps them all on one timer (so `timers` cannot show a leak). */
  readonly keepAlives?: number;
}

/** How a peer is keyed: by IP (the legacy design), IP and port (peers behind one NAT), or node id. */
export type KeyBy = 'ip' | 'ip:port' | 'node-id' | ((info: PeerInfo) => string);
