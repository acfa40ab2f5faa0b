import type { Clock } from '../contract/clock.js';
import type { Connection, Dialer, NodeIdentity } from '../contract/connection.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { PeerPool } from '../contract/peer-pool.js';
import { POOL_DEFAULTS, type MapFactory, type PoolOptions } from '../pool/pool-options.js';
import { DualModePool } from '../dual/dual-mode-pool.js';
import type { BroadcastResult, PeerInfo } from '../contract/types.js';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { BenchClock } from './bench-clock.js';
import { InstantConnection } from './instant-connection.js';

/** The implementations measured side by side. `baseline` is the physical floor, not a pool. */
export type Impl = 'baseline' | 'legacy' | 'unified' | 'shadow' | 'live';
export const IMPLS: readonly Impl[] = ['baseline', 'legacy', 'unified', 'shadow', 'live'];

/** The part of PeerPool the per-operation figures call, so the baseline can stand in. */
export type PoolUnderTest = Pick<
  PeerPool,
  'peerSeen' | 'sendToPeer' | 'getConnectedPeers' | 'getPeerIps' | 'addConnectedPeer' | 'removeConnectedPeer' | 'broadcast' | 'close'
>;

export interface Subject {
  readonly impl: Impl;
  /** The subject's own clock: firing one pool's reaper timer must not fire another's. */
  readonly clock: Clock;
  readonly pool: PoolUnderTest;
  /** One full reaper pass, to completion. Resolves with the number of peers it removed. */
  reap(expected: number): Promise<number> | number;
  /** Lock acquisitions so far; undefined where the subject has no locks. */
  lockAcquisitions(): number;
}

export const BENCH_IDENTITY: NodeIdentity = { network: 'poolshift-bench', nodeId: 'bench-self', version: '1.0.0', listenPort: 0 };

/** A message of the size of a block vote: what a send carries in the per-operation figures. */
export const BENCH_MESSAGE: NetworkMessage = { type: 'BlockVote', height: 1, hash: 'h'.repeat(64), voter: 'bench', approve: true };

/**
 * The legacy reaper's period in the benchmark. Timers never fire by themselves (BenchClock); a
 * period no other timer has lets the benchmark fire the reaper, and only the reaper, on purpose.
 */
export const BENCH_REAPER_MS = 29_999;

/** Limits that never refuse a benchmark peer (the defaults hold 50 peers, a third outbound). */
export const BENCH_LIMITS = { maxPeers: 1 << 20, outboundShare: 1, dialQueueLength: 1 << 20 } as const;

/**
 * Peer `i`'s info. Addresses come from 198.18.0.0/15, the range set aside for benchmarks: they are
 * map keys only, never dialled.
 */
export function benchPeer(i: number): PeerInfo {
  return {
    ip: `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`,
    port: 9000,
    version: '1.0.0',
    direction: 'inbound',
    nodeId: `peer-${i}`,
  };
}

export function benchPeers(n: number): PeerInfo[] {
  if (n > 1 << 17) throw new RangeError(`at most ${1 << 17} bench peers`);
  return Array.from({ length: n }, (_, i) => benchPeer(i));
}

export function instantConnectionFor(info: PeerInfo): InstantConnection {
  return new InstantConnection(info.ip, info.port);
}

interface BareEntry {
  readonly connection: Connection;
  readonly info: PeerInfo;
  lastSeen: number;
}

/**
 * The floor: a bare Map lookup plus a field write. No lock, no event, no health score: what any
 * pool keyed by IP must at least do.
 */
export class BareMapPool implements PoolUnderTest {
  readonly map: Map<string, BareEntry>;

  constructor(
    private readonly clock: Clock,
    readonly staleAfterMs: number,
    createMap: MapFactory = () => new Map(),
  ) {
    this.map = createMap();
  }

  peerSeen(key: string): void {
    const entry = this.map.get(key);
    if (entry !== undefined) entry.lastSeen = this.clock.now();
  }

  async sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    const entry = this.map.get(key);
    if (entry === undefined) throw new Error(`no connection to ${key}`);
    await entry.connection.send(message);
    entry.lastSeen = this.clock.now();
  }

  async getConnectedPeers(): Promise<PeerInfo[]> {
    const infos: PeerInfo[] = [];
    for (const entry of this.map.values()) infos.push(entry.info);
    return infos;
  }

  async getPeerIps(): Promise<string[]> {
    const ips: string[] = [];
    for (const entry of this.map.values()) ips.push(entry.info.ip);
    return ips;
  }

  async broadcast(message: NetworkMessage): Promise<BroadcastResult> {
    await Promise.all([...this.map.values()].map((entry) => entry.connection.send(message)));
    return { sent: this.map.size, failed: 0, skipped: 0 };
  }

  async addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    this.map.set(info.ip, { connection, info, lastSeen: this.clock.now() });
  }

  async removeConnectedPeer(key: string): Promise<void> {
    this.map.delete(key);
  }

  reap(): number {
    const now = this.clock.now();
    const stale: string[] = [];
    for (const [key, entry] of this.map) if (now - entry.lastSeen > this.staleAfterMs) stale.push(key);
    for (const key of stale) this.map.delete(key);
    return stale.length;
  }

  async close(): Promise<void> {
    this.map.clear();
  }
}

export interface SubjectOptions {
  readonly clock: Clock;
  readonly createMap?: MapFactory;
  /** For the network figure: how the pool dials. */
  readonly dialer?: Dialer;
}

/** A pool of the given kind, not started: no reaper, no watchdog; keep-alive timers stay parked. */
export function makeSubject(impl: Impl, options: SubjectOptions): Subject {
  const { clock, createMap, dialer } = options;
  const poolOptions: PoolOptions = {
    identity: BENCH_IDENTITY,
    clock,
    reaperIntervalMs: BENCH_REAPER_MS,
    // The benchmark holds up to 100k peers, all dialled out for the network figure: no admission cap.
    limits: BENCH_LIMITS,
    ...(createMap ? { createMap } : {}),
    ...(dialer ? { dialer } : {}),
  };
  switch (impl) {
    case 'baseline': {
      const pool = new BareMapPool(clock, POOL_DEFAULTS.staleAfterMs, createMap);
      return { impl, clock, pool, reap: () => pool.reap(), lockAcquisitions: () => 0 };
    }
    case 'unified': {
      const pool = new UnifiedPeerManager(poolOptions);
      return { impl, clock, pool, reap: () => pool.reap().length, lockAcquisitions: () => pool.locks.stats().acquisitions };
    }
    case 'legacy': {
      const pool = new LegacyPeerManager(poolOptions);
      return { impl, clock, pool, reap: (expected) => reapLegacy(pool, clock, expected), lockAcquisitions: () => pool.locks.stats().acquisitions };
    }
    case 'shadow':
    case 'live':
      return makeDualModeSubject(impl, poolOptions);
  }
}

/**
 * The legacy reaper is private and runs off its interval timer; the benchmark fires that timer
 * and waits for the pass to have removed what it must (the pass resolves nothing to await).
 */
function reapLegacy(pool: LegacyPeerManager, clock: Clock, expected: number): Promise<number> {
  if (!(clock instanceof BenchClock)) throw new Error('the legacy reaper can only be fired through a BenchClock');
  pool.start();
  return new Promise((resolve, reject) => {
    let removed = 0;
    const timer = setTimeout(() => {
      pool.off('peer:disconnected', onDisconnected);
      reject(new Error(`legacy reaper removed ${removed} of ${expected} stale peers`));
    }, 60_000);
    const onDisconnected = (event: { reason: string }): void => {
      if (event.reason !== 'stale' || ++removed < expected) return;
      clearTimeout(timer);
      pool.off('peer:disconnected', onDisconnected);
      resolve(removed);
    };
    pool.on('peer:disconnected', onDisconnected);
    if (clock.fire(BENCH_REAPER_MS) !== 1) {
      clearTimeout(timer);
      reject(new Error('legacy reaper timer not found'));
      return;
    }
    if (expected === 0) {
      clearTimeout(timer);
      pool.off('peer:disconnected', onDisconnected);
      resolve(0);
    }
  });
}

/** True, or why the dual-mode pool cannot be measured in this tree. */
export async function dualModeAvailable(): Promise<true | string> {
  try {
    const pool = new DualModePool({ identity: BENCH_IDENTITY, clock: new BenchClock(), mode: 'shadow' });
    await pool.close();
    return true;
  } catch (err) {
    return `the dual-mode pool does not construct: ${(err as Error).message}`;
  }
}

/**
 * The dual-mode pool in `shadow` (legacy authoritative, unified mirrored) or `live` (the other way
 * round). Both managers are made with the same options, so both count into the same map counters.
 */
function makeDualModeSubject(impl: 'shadow' | 'live', options: PoolOptions): Subject {
  const pool = new DualModePool({ ...options, mode: impl });
  const sides = ['legacy', 'unified'] as const;
  return {
    impl,
    clock: options.clock as Clock,
    pool,
    reap: (expected) => reapDualMode(pool, options.clock as Clock, expected),
    // The managers' locks; the pool's own mode lock (one read per operation) is private to it.
    lockAcquisitions: () => sides.reduce((sum, side) => sum + (pool.manager(side)?.getPoolStats().locks.acquisitions ?? 0), 0),
  };
}

/**
 * Both managers' reapers run off timers of the same period, as they would in production: fire
 * them, wait for the authoritative one to have removed the stale peers, then for the mirror to
 * have followed (the pool mirrors each removal asynchronously).
 */
async function reapDualMode(pool: DualModePool, clock: Clock, expected: number): Promise<number> {
  if (!(clock instanceof BenchClock)) throw new Error('the reapers can only be fired through a BenchClock');
  const sides = ['legacy', 'unified'] as const;
  const before = Math.min(...sides.map((side) => pool.manager(side)!.resources().entries));
  pool.start();
  const removed = await new Promise<number>((resolve, reject) => {
    let count = 0;
    const timer = setTimeout(() => {
      pool.off('peer:disconnected', onDisconnected);
      reject(new Error(`${pool.mode} reaper removed ${count} of ${expected} stale peers`));
    }, 60_000);
    const onDisconnected = (event: { reason: string }): void => {
      if (event.reason !== 'stale' || ++count < expected) return;
      clearTimeout(timer);
      pool.off('peer:disconnected', onDisconnected);
      resolve(count);
    };
    pool.on('peer:disconnected', onDisconnected);
    if (clock.fire(BENCH_REAPER_MS) === 0) {
      clearTimeout(timer);
      reject(new Error('no reaper timer found'));
    }
  });
  const settled = (): boolean => sides.every((side) => pool.manager(side)!.resources().entries === before - expected);
  for (let spins = 0; !settled(); spins++) {
    if (spins > 100_000) throw new Error(`${pool.mode}: the mirror did not follow the reaper`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return removed;
}
