/**
 * The limits a pool facing the open internet keeps, in one place: what the README's
 * "Guarantees" section lists. The unified manager and the listener read their defaults here;
 * the legacy manager keeps none of them (it is the design being migrated away from).
 */
export const LIMIT_DEFAULTS = {
  /** Peers held at once, inbound and outbound together (geth's default MaxPeers). */
  maxPeers: 50,
  /** The share of maxPeers outbound dials may fill, so inbound peers always have room (geth: 1/3). */
  outboundShare: 1 / 3,
  /** New inbound connections accepted per IP per second. */
  connectionsPerIpPerSecond: 5,
  /** Inbound handshakes in progress at once; past this new sockets are refused. */
  maxPendingHandshakes: 64,
  /** How long an inbound peer has to say Hello. */
  handshakeTimeoutMs: 5000,
  /** Dials running at once. */
  dialConcurrency: 10,
  /** Dials waiting for a slot; past this connectToPeer rejects with DialQueueFullError. */
  dialQueueLength: 100,
  /** One dial (connect + handshake), from the moment it starts running. */
  dialTimeoutMs: 5000,
  /** Bytes buffered on a peer's socket above which broadcast skips it. */
  highWaterMark: 4 * 1024 * 1024,
  /** A peer over the high-water mark for longer than this is disconnected with `slow`. */
  slowPeerTimeoutMs: 10_000,
} as const;

/** maxPeers x outboundShare, at least 1: the outbound cap. */
export function maxOutboundPeers(maxPeers: number, outboundShare: number): number {
  return Math.max(1, Math.floor(maxPeers * outboundShare));
}
