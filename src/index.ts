/**
 * The package's public surface: the contract, the limits, the transport, the lock, both managers
 * and the dual-mode pool, with every type that appears in a public signature of what is exported.
 */
export * from './contract/types.js';
export * from './contract/messages.js';
export * from './contract/errors.js';
export * from './contract/clock.js';
export type { Connection, ConnectionEvent, ConnectionEvents, ConnectionListener, Dialer, DialResult, NodeIdentity } from './contract/connection.js';
export type { PeerPool, PoolEvent, PoolEvents, PoolListener, BlockProposalInput } from './contract/peer-pool.js';
export { parseAddress, formatAddress } from './contract/address.js';
export { encodeMessage, decodeMessage, MAX_FRAME_BYTES, MAX_HANDSHAKE_BYTES } from './contract/codec.js';
export { CLOSE_CODES, reasonForCloseCode } from './transport/close-codes.js';
export { LIMIT_DEFAULTS } from './limits/limit-defaults.js';
export { IpFilter, type IpFilterOptions, type IpVerdict } from './limits/ip-filter.js';
export { resolvePeerRateLimit, type PeerRateLimitOptions, type ResolvedPeerRateLimit } from './limits/peer-rate-limit.js';
export { TRANSPORT_DEFAULTS } from './transport/transport-defaults.js';
export { PeerConnection, type PeerConnectionOptions, type PeerSocket } from './transport/peer-connection.js';
export type { EarlyFrames, RawFrame } from './transport/handshake.js';
export {
  PeerListener,
  type PeerListenerOptions,
  type ListenerAdmission,
  type PeerListenerEvents,
  type PeerListenerStats,
  type PeerListenerSockets,
  type RefusalCause,
  type RefusedPeer,
} from './transport/peer-listener.js';
export { createDialer, type DialerOptions, type PeerDialer, type PeerDialResult } from './transport/dialer.js';
export { LockMonitor, RwLock, type LockParty, type LockMode, type LockMonitorEvents, type Release } from './pool/lock.js';
export { LockWatchdog, type LockStallReport, type LockWatchdogOptions } from './pool/lock-watchdog.js';
export {
  POOL_DEFAULTS,
  resolvePoolOptions,
  type PoolOptions,
  type PoolLimits,
  type MapFactory,
  type ResolvedPoolOptions,
  type ResolvedPoolLimits,
} from './pool/pool-options.js';
export { LegacyPeerManager, type LegacyConnectionHandle } from '../legacy/legacy-peer-manager.js';
export { UnifiedPeerManager } from '../unified/unified-peer-manager.js';
export type { PoolEntry } from '../unified/pool-entry.js';
export type { KeepAliveItem } from '../unified/keep-alive-queue.js';
export type { Admission } from '../unified/admission.js';
export { UnifiedPeerConnection, type UnifiedPeerConnectionOptions } from '../unified/unified-peer-connection.js';
export { DualModePool, DUAL_DEFAULTS, type DualModePoolOptions, type DualModeShadowOptions, type ModeChange, type SetModeOptions } from './dual/dual-mode-pool.js';
export type { ConnectionLink, ConnectionLinkOptions, ConnectionView, LiveSide, MutedRecord } from './dual/connection-view.js';
export { POOL_MODES, DEFAULT_MODE, MANAGER_SIDES, authoritativeSide, mirrorSide, sidesOf, isPoolMode, type PoolMode, type ManagerSide } from './dual/modes.js';
export { ShadowMetrics, type CheckOutcome } from './dual/shadow/metrics.js';
export {
  ShadowVerifier,
  type ShadowOptions,
  type VerifierStats,
  type ShadowVerifierDeps,
  type KindCount,
  type Normalizer,
  type Outcome,
} from './dual/shadow/verifier.js';
export {
  DIVERGENCE_KINDS,
  type Divergence,
  type DivergenceKind,
  type KnownDifference,
  type KeyEvidence,
  type KeyHint,
} from './dual/shadow/divergence.js';
export { buildReport, formatReport, formatCoverage, formatGate, diffPeerSets, type ShadowReport } from './dual/shadow/report.js';
export { COVERAGE_REQUIREMENTS, CoverageCounter, missingCoverage, type Coverage, type CoverageRequirement } from './dual/shadow/coverage.js';
export type { DistinctDivergence, DivergenceLogOptions } from './dual/shadow/divergence-log.js';
export type { Finding } from './dual/shadow/findings.js';
export { PromotionGate, GATE_DEFAULTS, type PromotionGateOptions, type GateDecision, type GateRecordedDecision, type GateStatus } from './dual/promotion-gate.js';
export { MODE_ENV_VAR, MODE_FLAG_KEY, type ModeFlagProvider } from './dual/flags/mode-flag-provider.js';
export { EnvFlagProvider } from './dual/flags/env-flag-provider.js';
export { FileFlagProvider } from './dual/flags/file-flag-provider.js';
export { OpenFeatureFlagProvider, type OpenFeatureFlagOptions } from './dual/flags/openfeature-flag-provider.js';
export { bindModeFlag, initialMode, type FlagWaiting, type ModeFlagBinding, type ModeFlagBindingOptions } from './dual/flags/mode-flag-binding.js';
