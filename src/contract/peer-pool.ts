import type { Connection } from './connection.js';
import type { BlockProposal, NetworkMessage } from './messages.js';
import type {
  BroadcastResult,
  DisconnectReason,
  PeerAddress,
  PeerInfo,
  PoolSnapshot,
  PoolStats,
  ResourceCounts,
  SnapshotEntry,
} from './types.js';

export interface PoolEvents {
  'peer:connected': [event: { key: string; info: PeerInfo }];
  'peer:disconnected': [event: { key: string; info: PeerInfo | undefined; reason: DisconnectReason }];
  message: [event: { key: string; message: NetworkMessage }];
  'protocol-error': [event: { key: string; error: Error }];
}

export type PoolEvent = keyof PoolEvents;
export type PoolListener<E extends PoolEvent> = (...args: PoolEvents[E]) => void;

/** The block proposal fields a caller provides; the pool adds the `type`. */
export type BlockProposalInput = Omit<BlockProposal, 'type'>;

/**
 * The one interface both peer managers implement, and the dual-mode pool above them. A peer is
 * named by its key: its IP by default (see `KeyBy`).
 */
export interface PeerPool {
  /** Starts the reaper. Connections may be added before or after. */
  start(): void;
  /** Closes every connection (reason `shutdown`), clears every timer and listener. Idempotent. */
  close(): Promise<void>;

  /** Dials `host:port`, handshakes, and holds the connection. Resolves with the peer's info. */
  connectToPeer(address: string | PeerAddress): Promise<PeerInfo>;
  /** Takes an inbound connection that has completed its handshake. */
  addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void>;
  /** Marks the peer as seen now. */
  peerSeen(key: string): void | Promise<void>;
  /** Forgets the peer and closes its connection. */
  removeConnectedPeer(key: string, reason?: DisconnectReason): Promise<void>;

  getPeer(key: string): Promise<PeerInfo | undefined>;
  getConnectedPeers(): Promise<PeerInfo[]>;
  getPeerIps(): Promise<string[]>;

  /** Sends to one peer; rejects with a typed error (no connection, send failed, timeout). */
  sendToPeer(key: string, message: NetworkMessage): Promise<void>;
  broadcast(message: NetworkMessage): Promise<BroadcastResult>;
  broadcastBlockProposal(proposal: BlockProposalInput): Promise<BroadcastResult>;

  getPoolStats(): PoolStats;
  /** Every peer the manager holds, with its liveness: what shadow mode diffs. */
  snapshot(): PoolSnapshot;
  /**
   * One key's entry as snapshot() lists it, without listing the rest: a check of one peer at 100k
   * peers must not build 100k entries (a reaper burst in shadow did, every 50 ms: a 40 s pass).
   */
  snapshotEntry(key: string): SnapshotEntry | undefined;
  /** What the pool still holds: timers, socket listeners, lock holders and waiters, entries. */
  resources(): ResourceCounts;

  on<E extends PoolEvent>(event: E, listener: PoolListener<E>): this;
  off<E extends PoolEvent>(event: E, listener: PoolListener<E>): this;
  once<E extends PoolEvent>(event: E, listener: PoolListener<E>): this;
}
