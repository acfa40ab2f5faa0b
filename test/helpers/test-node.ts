import { pino, type Logger } from 'pino';
import { ManualClock, systemClock, type Clock } from '../../src/contract/clock.js';
import { createDialer, type PeerDialer } from '../../src/transport/dialer.js';
import type { PeerConnectionOptions } from '../../src/transport/peer-connection.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import type { PoolOptions } from '../../src/pool/pool-options.js';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';

export type ManagerKind = 'legacy' | 'unified';
export const MANAGER_KINDS: readonly ManagerKind[] = ['legacy', 'unified'];
export const TEST_NETWORK = 'poolshift-test';

export type AnyManager = LegacyPeerManager | UnifiedPeerManager;

export interface TestNodeOptions extends Omit<Partial<PoolOptions>, 'identity' | 'dialer'> {
  readonly kind: ManagerKind;
  /** Makes the pool instead of `kind`'s class (e.g. a converted manager loaded from elsewhere). */
  readonly factory?: (opts: PoolOptions) => AnyManager;
  /** The node's own loopback address: its server and its outbound dials bind to it. */
  readonly host: string;
  readonly nodeId?: string;
  readonly network?: string;
  readonly version?: string;
  /** The transport's ping timeout: short in tests, so a frozen peer is noticed quickly. */
  readonly pingTimeoutMs?: number;
  readonly logger?: Logger;
  /** More transport options for every connection, inbound and outbound (e.g. the rate limit). */
  readonly connection?: Omit<PeerConnectionOptions, 'clock' | 'logger'>;
}

export interface TestNode<P extends AnyManager = AnyManager> {
  readonly pool: P;
  readonly listener: PeerListener;
  readonly dialer: PeerDialer;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly clock: Clock;
  close(): Promise<void>;
}

/**
 * A node under test: a manager, a listener handing it inbound peers, and a dialer, all bound to
 * one loopback address. The transport runs on real time; the pool on `clock` (a ManualClock by
 * default, so the reaper and keep-alive move only when the test says).
 */
export async function startNode<P extends AnyManager = AnyManager>(options: TestNodeOptions): Promise<TestNode<P>> {
  const { kind, factory, host, network = TEST_NETWORK, version = '1.0.0', pingTimeoutMs = 300, connection: extra, ...poolOptions } = options;
  const clock = options.clock ?? new ManualClock();
  const logger = options.logger ?? pino({ level: 'silent' });
  const nodeId = options.nodeId ?? `${kind}-${host}`;
  const connection = { clock: systemClock, logger, pingTimeoutMs, sendTimeoutMs: 2000, ...extra };
  const listener = new PeerListener({ host, port: 0, identity: { network, nodeId, version, listenPort: 0 }, logger, connection });
  const { port } = await listener.listen();
  const identity = { network, nodeId, version, listenPort: port };
  const dialer = createDialer({ identity, localAddress: host, timeoutMs: 3000, logger, connection });
  const opts: PoolOptions = { ...poolOptions, identity, dialer, clock, logger };
  const pool = (factory ? factory(opts) : kind === 'legacy' ? new LegacyPeerManager(opts) : new UnifiedPeerManager(opts)) as P;
  listener.on('peer', (conn, info) => {
    pool.addConnectedPeer(conn, info).catch(() => conn.close('removed'));
  });
  return {
    pool,
    listener,
    dialer,
    host,
    port,
    address: `${host}:${port}`,
    clock,
    async close() {
      await listener.close();
      await pool.close();
    },
  };
}
