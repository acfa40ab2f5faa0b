import { pino } from 'pino';
import { ManualClock } from '../../../src/contract/clock.js';
import type { ManagerSide } from '../../../src/dual/modes.js';
import { DualModePool, type DualModePoolOptions } from '../../../src/dual/dual-mode-pool.js';
import type { PeerPool } from '../../../src/contract/peer-pool.js';
import type { PoolOptions } from '../../../src/pool/pool-options.js';
import { LegacyPeerManager } from '../../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../../unified/unified-peer-manager.js';
import { FakeConnection, peerInfo } from './fake-connection.js';

export const IDENTITY = { network: 'poolshift-test', nodeId: 'dual-node', version: '1.0.0', listenPort: 0 };

export function realManager(side: ManagerSide, options: PoolOptions): PeerPool {
  return side === 'legacy' ? new LegacyPeerManager(options) : new UnifiedPeerManager(options);
}

export interface Fixture {
  readonly pool: DualModePool;
  readonly clock: ManualClock;
  readonly conns: Map<string, FakeConnection>;
  /** Adds an inbound peer on a fresh fake connection. */
  add(ip: string, version?: string): Promise<FakeConnection>;
}

export function makePool(options: Partial<DualModePoolOptions> = {}): Fixture {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const pool = new DualModePool({
    identity: IDENTITY,
    clock,
    logger: pino({ level: 'silent' }),
    shadow: { persistenceChecks: 3, ...options.shadow },
    ...options,
  });
  const conns = new Map<string, FakeConnection>();
  return {
    pool,
    clock,
    conns,
    async add(ip, version = '1.0.0') {
      const conn = new FakeConnection(ip);
      conns.set(ip, conn);
      await pool.addConnectedPeer(conn, peerInfo(ip, { version }));
      return conn;
    },
  };
}

/** A dialer of fake connections, for connectToPeer without sockets. */
export function fakeDialer(dialled: FakeConnection[]) {
  return async (address: { host: string; port: number }) => {
    const connection = new FakeConnection(address.host, address.port);
    dialled.push(connection);
    return { connection, info: peerInfo(address.host, { port: address.port, direction: 'outbound' as const }) };
  };
}
