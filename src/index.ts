/** The package's public surface: the contract, the transport, the lock, and both managers. */
export * from './types.js';
export * from './messages.js';
export * from './errors.js';
export * from './clock.js';
export type { Connection, ConnectionEvents, Dialer, DialResult, NodeIdentity } from './connection.js';
export type { PeerPool, PoolEvents, BlockProposalInput } from './peer-pool.js';
export { parseAddress, formatAddress } from './address.js';
export { encodeMessage, decodeMessage, MAX_FRAME_BYTES, MAX_HANDSHAKE_BYTES } from './codec.js';
export { CLOSE_CODES, reasonForCloseCode } from './close-codes.js';
export { PeerConnection, type PeerConnectionOptions } from './peer-connection.js';
export { PeerListener, type PeerListenerOptions } from './peer-listener.js';
export { createDialer, type DialerOptions } from './dialer.js';
export { LockMonitor, RwLock, type LockParty } from './lock.js';
export { LockWatchdog, type LockStallReport } from './lock-watchdog.js';
export { POOL_DEFAULTS, resolvePoolOptions, type PoolOptions } from './pool-options.js';
export { LegacyPeerManager } from '../legacy/legacy-peer-manager.js';
export { UnifiedPeerManager } from '../unified/unified-peer-manager.js';
export { UnifiedPeerConnection, type UnifiedPeerConnectionOptions } from '../unified/unified-peer-connection.js';
