import { LIMIT_DEFAULTS } from '../limits/limit-defaults.js';

/**
 * The transport's defaults, in one place: what a PeerConnection, the handshake, the dialer and the
 * listener use when their options leave a value out. The three that are also limits of a pool
 * facing the internet (handshake timeout, dial timeout, high-water mark) are defined once, in
 * LIMIT_DEFAULTS, and read from there.
 */
export const TRANSPORT_DEFAULTS = {
  /**
   * A send not flushed to the socket within this is rejected (the legacy node's 5 s).
   * @default 5000
   */
  sendTimeoutMs: 5000,
  /**
   * A ping not answered by a pong within this fails.
   * @default 5000
   */
  pingTimeoutMs: 5000,
  /**
   * How long a peer has to say Hello, either way.
   * @default 5000 (LIMIT_DEFAULTS.handshakeTimeoutMs)
   */
  handshakeTimeoutMs: LIMIT_DEFAULTS.handshakeTimeoutMs,
  /**
   * One dial, connect and handshake.
   * @default 5000 (LIMIT_DEFAULTS.dialTimeoutMs)
   */
  dialTimeoutMs: LIMIT_DEFAULTS.dialTimeoutMs,
  /**
   * Bytes buffered on a socket above which sends are refused.
   * @default 4 * 1024 * 1024 (LIMIT_DEFAULTS.highWaterMark)
   */
  highWaterMark: LIMIT_DEFAULTS.highWaterMark,
  /**
   * A socket the listener refused (or whose handshake timed out) is sent its close frame, then
   * terminated if the peer has not completed the closing handshake within this (ws alone waits 30 s).
   * @default 1000
   */
  refusalGraceMs: 1000,
  /**
   * What one peer connection may send us: frames and bytes a second with their bursts, and how
   * long it may stay over them (PeerRateLimitOptions; `rateLimit: false` turns it off).
   * @default LIMIT_DEFAULTS.peerMessagesPerSecond, peerMessageBurst, peerBytesPerSecond, peerByteBurst, peerRateDisconnectAfterMs
   */
  rateLimit: {
    messagesPerSecond: LIMIT_DEFAULTS.peerMessagesPerSecond,
    messageBurst: LIMIT_DEFAULTS.peerMessageBurst,
    bytesPerSecond: LIMIT_DEFAULTS.peerBytesPerSecond,
    byteBurst: LIMIT_DEFAULTS.peerByteBurst,
    disconnectAfterMs: LIMIT_DEFAULTS.peerRateDisconnectAfterMs,
  },
} as const;
