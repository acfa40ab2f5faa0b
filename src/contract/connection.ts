import type { ProtocolError } from './errors.js';
import type { NetworkMessage } from './messages.js';
import type { DisconnectReason, PeerAddress, PeerInfo } from './types.js';

export interface ConnectionEvents {
  /** A valid protocol message arrived. */
  message: [message: NetworkMessage];
  /** Any frame arrived (a message, a malformed frame, a pong; not a frame dropped over the rate limit): the peer is alive. */
  seen: [];
  /** The socket closed, by either side. Emitted once. */
  close: [code: number, reason: string];
  /** A frame was refused; the connection is being closed with the reason. */
  'protocol-error': [error: ProtocolError];
}

export type ConnectionEvent = keyof ConnectionEvents;
export type ConnectionListener<E extends ConnectionEvent> = (...args: ConnectionEvents[E]) => void;

/**
 * One live link to a peer, as the managers use it. `PeerConnection` implements it over ws; the
 * dual-mode pool hands the mirror manager a muted view of it; the benchmark uses a stand-in
 * whose sends complete at once.
 */
export interface Connection {
  /** Unique per connection for the process: how a manager tells a replacement from the original. */
  readonly id: number;
  readonly remoteIp: string;
  readonly remotePort: number;
  /** Clock time the connection opened (after the handshake). */
  readonly openedAt: number;
  readonly isOpen: boolean;
  readonly bufferedAmount: number;
  /**
   * Set when the connection dropped the peer on its own decision (the transport's, not a
   * manager's: `rate-exceeded`), before its 'close' is emitted: the reason a manager reports for
   * that close instead of `closed-by-peer`. Not optional, so that a wrapper cannot forget to
   * forward it (a connection that never decides says undefined).
   */
  readonly droppedFor: DisconnectReason | undefined;
  /** Resolves once the frame is flushed to the socket; rejects with a typed error otherwise. */
  send(message: NetworkMessage): Promise<void>;
  /**
   * Sends a frame already made by `encodeMessage`, so that a broadcast encodes once for every
   * peer. Optional: a pool falls back to `send` where a connection has none.
   */
  sendEncoded?(data: string): Promise<void>;
  /** A WebSocket ping; resolves with the round-trip time in ms. */
  ping(): Promise<number>;
  /** Closing handshake with the reason (sent to the peer). Idempotent. */
  close(reason: DisconnectReason, detail?: string): void;
  /** Destroys the socket at once. Idempotent. */
  terminate(): void;
  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this;
  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this;
  listenerCount(event: ConnectionEvent): number;
}

export interface DialResult {
  readonly connection: Connection;
  readonly info: PeerInfo;
}

/** Opens an outbound connection and completes the handshake. */
export type Dialer = (address: PeerAddress) => Promise<DialResult>;

/** What this node says of itself in the handshake. */
export interface NodeIdentity {
  /** The network magic: peers of another network are refused. */
  readonly network: string;
  readonly nodeId: string;
  readonly version: string;
  /** The port this node listens on, so inbound peers learn where to dial back. */
  readonly listenPort: number;
}
