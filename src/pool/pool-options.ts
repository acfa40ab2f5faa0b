import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../contract/clock.js';
import type { Dialer, NodeIdentity } from '../contract/connection.js';
import { ConfigError } from '../contract/errors.js';
import type { LockStallReport } from './lock-watchdog.js';
import { IpFilter } from '../limits/ip-filter.js';
import { LIMIT_DEFAULTS, maxOutboundPeers } from '../limits/limit-defaults.js';
import type { KeyBy, PeerInfo } from '../contract/types.js';

/** The defaults of the manager being migrated (see shared/reference/legacy-semantics.md). */
export const POOL_DEFAULTS = {
  /**
   * Each peer is pinged this often.
   * @default 30_000
   */
  keepAliveIntervalMs: 30_000,
  /**
   * A peer not seen for longer than this is stale and reaped.
   * @default 300_000
   */
  staleAfterMs: 300_000,
  /**
   * The reaper looks for stale peers this often.
   * @default 30_000
   */
  reaperIntervalMs: 30_000,
  /**
   * A lock waited on longer than this is reported by the watchdog.
   * @default 10_000
   */
  lockWaitBoundMs: 10_000,
} as const;

export interface PoolOptions {
  readonly identity: NodeIdentity;
  /** Opens outbound connections; without one, connectToPeer fails. */
  readonly dialer?: Dialer;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How peers are keyed: IP (default), IP and port, node id, or a function. */
  readonly keyBy?: KeyBy;
  readonly keepAliveIntervalMs?: number;
  /** A peer not seen for longer than this is stale and reaped. */
  readonly staleAfterMs?: number;
  readonly reaperIntervalMs?: number;
  /** Our own public IP: never dialled, skipped by broadcasts. */
  readonly publicIp?: string;
  /** A lock waited on longer than this is reported by the watchdog. */
  readonly lockWaitBoundMs?: number;
  readonly onLockStall?: (report: LockStallReport) => void;
  /** Makes the manager's maps; the benchmark passes a counting Map to count lookups. */
  readonly createMap?: MapFactory;
  /** Limits (unified manager only; legacy keeps none). Defaults in LIMIT_DEFAULTS. */
  readonly limits?: PoolLimits;
}

/** What the unified manager admits, dials and tolerates. Every field has a default (limit-defaults.ts). */
export interface PoolLimits {
  readonly maxPeers?: number;
  /** Share of maxPeers that outbound peers may fill, in (0, 1]. */
  readonly outboundShare?: number;
  /** CIDRs that pass the limits. */
  readonly allow?: readonly string[];
  /** CIDRs refused with `banned`; deny wins over allow. */
  readonly deny?: readonly string[];
  readonly dialConcurrency?: number;
  readonly dialQueueLength?: number;
  readonly dialTimeoutMs?: number;
  readonly highWaterMark?: number;
  readonly slowPeerTimeoutMs?: number;
}

export interface ResolvedPoolLimits {
  readonly maxPeers: number;
  readonly maxOutbound: number;
  readonly ipFilter: IpFilter;
  readonly dialConcurrency: number;
  readonly dialQueueLength: number;
  readonly dialTimeoutMs: number;
  readonly highWaterMark: number;
  readonly slowPeerTimeoutMs: number;
}

export type MapFactory = <K, V>() => Map<K, V>;

export interface ResolvedPoolOptions {
  readonly identity: NodeIdentity;
  readonly dialer: Dialer | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keyOf: (info: PeerInfo) => string;
  readonly keepAliveIntervalMs: number;
  readonly staleAfterMs: number;
  readonly reaperIntervalMs: number;
  readonly publicIp: string | undefined;
  readonly lockWaitBoundMs: number;
  readonly onLockStall: ((report: LockStallReport) => void) | undefined;
  readonly createMap: MapFactory;
  readonly limits: ResolvedPoolLimits;
}

export function keyFunction(keyBy: KeyBy = 'ip'): (info: PeerInfo) => string {
  if (typeof keyBy === 'function') return keyBy;
  switch (keyBy) {
    case 'ip':
      return (info) => info.ip;
    case 'ip:port':
      return (info) => `${info.ip}:${info.port}`;
    case 'node-id':
      return (info) => info.nodeId;
    default:
      throw new ConfigError('keyBy', `must be 'ip', 'ip:port', 'node-id' or a function, got ${JSON.stringify(keyBy)}`);
  }
}

function positiveInteger(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Fills the limits' defaults and refuses what cannot work, naming the field (`limits.maxPeers`). */
export function resolvePoolLimits(limits: PoolLimits = {}): ResolvedPoolLimits {
  if (typeof limits !== 'object' || limits === null) throw new ConfigError('limits', 'must be an object');
  const d = LIMIT_DEFAULTS;
  const maxPeers = positiveInteger('limits.maxPeers', limits.maxPeers ?? d.maxPeers);
  const share = limits.outboundShare ?? d.outboundShare;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
    throw new ConfigError('limits.outboundShare', `must be a number in (0, 1], got ${String(share)}`);
  }
  return {
    maxPeers,
    maxOutbound: maxOutboundPeers(maxPeers, share),
    ipFilter: new IpFilter({ allow: limits.allow ?? [], deny: limits.deny ?? [] }, 'limits'),
    dialConcurrency: positiveInteger('limits.dialConcurrency', limits.dialConcurrency ?? d.dialConcurrency),
    dialQueueLength: nonNegativeInteger('limits.dialQueueLength', limits.dialQueueLength ?? d.dialQueueLength),
    dialTimeoutMs: positive('limits.dialTimeoutMs', limits.dialTimeoutMs ?? d.dialTimeoutMs),
    highWaterMark: positive('limits.highWaterMark', limits.highWaterMark ?? d.highWaterMark),
    slowPeerTimeoutMs: positive('limits.slowPeerTimeoutMs', limits.slowPeerTimeoutMs ?? d.slowPeerTimeoutMs),
  };
}

function nonNegativeInteger(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(field, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function positive(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/** Fills the defaults and refuses what cannot work, naming the field. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  const id = options.identity;
  if (!id || typeof id.nodeId !== 'string' || id.nodeId === '') throw new ConfigError('identity.nodeId', 'is required');
  if (typeof id.network !== 'string' || id.network === '') throw new ConfigError('identity.network', 'is required');
  const keepAliveIntervalMs = positive('keepAliveIntervalMs', options.keepAliveIntervalMs ?? POOL_DEFAULTS.keepAliveIntervalMs);
  const staleAfterMs = positive('staleAfterMs', options.staleAfterMs ?? POOL_DEFAULTS.staleAfterMs);
  if (staleAfterMs < keepAliveIntervalMs) {
    throw new ConfigError('staleAfterMs', `(${staleAfterMs}) must not be shorter than keepAliveIntervalMs (${keepAliveIntervalMs}): every idle peer would be reaped`);
  }
  return {
    identity: id,
    dialer: options.dialer,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? pino({ level: 'silent' }),
    keyOf: keyFunction(options.keyBy),
    keepAliveIntervalMs,
    staleAfterMs,
    reaperIntervalMs: positive('reaperIntervalMs', options.reaperIntervalMs ?? POOL_DEFAULTS.reaperIntervalMs),
    publicIp: options.publicIp,
    lockWaitBoundMs: positive('lockWaitBoundMs', options.lockWaitBoundMs ?? POOL_DEFAULTS.lockWaitBoundMs),
    onLockStall: options.onLockStall,
    createMap: options.createMap ?? (() => new Map()),
    limits: resolvePoolLimits(options.limits),
  };
}
