/**
 * The limits a pool facing the open internet keeps, in one place: what the README's
 * "Guarantees" section lists. The unified manager, the listener and the transport's defaults
 * (transport/transport-defaults.ts) read them here; the legacy manager keeps none of them (it is
 * the design being migrated away from).
 */
export const LIMIT_DEFAULTS = {
  /**
   * Peers held at once, inbound and outbound together (geth's default MaxPeers).
   * @default 50
   */
  maxPeers: 50,
  /**
   * The share of maxPeers outbound dials may fill, so inbound peers always have room (geth: 1/3).
   * @default 1 / 3
   */
  outboundShare: 1 / 3,
  /**
   * New inbound connections accepted per IP per second.
   * @default 5
   */
  connectionsPerIpPerSecond: 5,
  /**
   * IPs the per-IP rate limiter tracks at once; idle ones are dropped first.
   * @default 10_000
   */
  rateLimiterMaxKeys: 10_000,
  /**
   * Inbound handshakes in progress at once; past this new sockets are refused.
   * @default 64
   */
  maxPendingHandshakes: 64,
  /**
   * Inbound handshakes in progress at once from one IP: a source that never says Hello holds at
   * most this many of the slots above. Past it new sockets are refused.
   * @default 8
   */
  maxPendingHandshakesPerIp: 8,
  /**
   * Inbound handshakes in progress at once from one subnet (IPv4 /24, IPv6 /64), so that a few
   * addresses side by side cannot take the global cap either.
   * @default 16
   */
  maxPendingHandshakesPerSubnet: 16,
  /**
   * How long a peer has to say Hello (the transport's handshake timeout reads it).
   * @default 5000
   */
  handshakeTimeoutMs: 5000,
  /**
   * Dials running at once.
   * @default 10
   */
  dialConcurrency: 10,
  /**
   * Dials waiting for a slot; past this connectToPeer rejects with DialQueueFullError.
   * @default 100
   */
  dialQueueLength: 100,
  /**
   * One dial (connect + handshake), from the moment it starts running (the transport's dialer
   * reads it).
   * @default 5000
   */
  dialTimeoutMs: 5000,
  /**
   * Bytes buffered on a peer's socket above which broadcast skips it (and a PeerConnection
   * refuses sends).
   * @default 4 * 1024 * 1024
   */
  highWaterMark: 4 * 1024 * 1024,
  /**
   * A peer over the high-water mark for longer than this is disconnected with `slow`.
   * @default 10_000
   */
  slowPeerTimeoutMs: 10_000,
  /**
   * Inbound TCP sockets the peer listener holds open at once, before and after the WebSocket
   * upgrade (handshaking, established, closing): past it a new socket is destroyed as it is
   * accepted, before any byte is read. Half the common soft descriptor limit (1,024), so the
   * listener alone cannot exhaust a process, and well above what honest traffic needs at the
   * defaults (maxPeers 50 + maxPendingHandshakes 64 + sockets still closing). A node sizes it
   * from `--max-inbound-sockets` and its descriptor budget (node/descriptor-budget.ts).
   * @default 512
   */
  maxInboundSockets: 512,
  /**
   * Inbound TCP sockets from one IP that have not completed the WebSocket upgrade yet: a source
   * dribbling its request headers holds at most this many. An honest peer's upgrade takes one
   * round trip, so it has one or two here at a time; 8 matches maxPendingHandshakesPerIp (and
   * leaves room for a few peers behind one NAT). Past it the socket is destroyed as it is accepted.
   * @default 8
   */
  maxPreUpgradeSocketsPerIp: 8,
  /**
   * From the TCP accept to the WebSocket upgrade (request line and headers): a socket not
   * upgraded by then is destroyed. Node's own header timeout is 60 s, checked every 30 s.
   * @default 5000
   */
  upgradeTimeoutMs: 5000,
  /**
   * Frames a second one peer connection may send us, sustained; frames over it are dropped
   * (transport: both managers, every pool mode). The busiest honest traffic here is the
   * benchmark's broadcastWs, ~950 frames a second into each sink connection (95k deliveries/s
   * over 100 peers); the soak's talkers send ~20 a second, a rehearsal's proposals ~10: 10x the
   * benchmark, 500x the soak.
   * @default 10_000
   */
  peerMessagesPerSecond: 10_000,
  /**
   * Frames a peer may send at once before the rate bites (the bucket's size, full at the start).
   * @default 20_000
   */
  peerMessageBurst: 20_000,
  /**
   * Payload bytes a second one peer connection may send us, sustained. The benchmark's
   * broadcastWs is ~240 KB a second per connection (256-byte frames), the soak and rehearsal a
   * few KB: over 60x the benchmark.
   * @default 16 * 1024 * 1024
   */
  peerBytesPerSecond: 16 * 1024 * 1024,
  /**
   * Payload bytes a peer may send at once: six largest frames (MAX_FRAME_BYTES, 10 MiB). A frame
   * larger than the burst still passes from a full bucket.
   * @default 64 * 1024 * 1024
   */
  peerByteBurst: 64 * 1024 * 1024,
  /**
   * A peer whose frames keep being dropped (no second without a drop) for this long is
   * disconnected `rate-exceeded` (close code 4009).
   * @default 2000
   */
  peerRateDisconnectAfterMs: 2000,
} as const;

/** maxPeers x outboundShare, at least 1: the outbound cap. */
export function maxOutboundPeers(maxPeers: number, outboundShare: number): number {
  return Math.max(1, Math.floor(maxPeers * outboundShare));
}
