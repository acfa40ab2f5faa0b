/**
 * A unified node with its limits wired end to end, as a real node wires them: the listener
 * checks the deny list, the per-IP rate and the pending-handshake cap before any handshake, and
 * asks the pool (admitInbound) after the Hello, so a peer past a limit is refused with the reason.
 * Reliability tests use 127.0.50.0/24 - 127.0.59.0/24 only.
 */
import { pino } from 'pino';
import { ManualClock, systemClock, type Clock } from '../../../src/contract/clock.js';
import { createDialer, type PeerDialer } from '../../../src/transport/dialer.js';
import { IpFilter } from '../../../src/limits/ip-filter.js';
import { PeerListener, type ListenerAdmission } from '../../../src/transport/peer-listener.js';
import type { PoolLimits, PoolOptions } from '../../../src/pool/pool-options.js';
import { UnifiedPeerManager } from '../../../unified/unified-peer-manager.js';
import { TEST_NETWORK } from '../../helpers/test-node.js';

export interface GuardedNodeOptions extends Omit<Partial<PoolOptions>, 'identity' | 'dialer' | 'limits'> {
  readonly host: string;
  readonly nodeId?: string;
  readonly limits?: PoolLimits;
  /** The listener's admission, beyond the pool's filter and admitInbound (rate, pending cap). */
  readonly listener?: Omit<ListenerAdmission, 'ipFilter' | 'admit'>;
  /** The listener's clock (rate limiter, handshake timeout); real time unless given. */
  readonly listenerClock?: Clock;
  readonly handshakeTimeoutMs?: number;
  /** The listener's deadline from TCP accept to WebSocket upgrade (on listenerClock). */
  readonly upgradeTimeoutMs?: number;
  /** Transport options for every connection (real time). */
  readonly connection?: { pingTimeoutMs?: number; sendTimeoutMs?: number; highWaterMark?: number };
}

export interface GuardedNode {
  readonly pool: UnifiedPeerManager;
  readonly listener: PeerListener;
  readonly dialer: PeerDialer;
  readonly clock: ManualClock;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly nodeId: string;
  close(): Promise<void>;
}

export async function startGuardedNode(options: GuardedNodeOptions): Promise<GuardedNode> {
  const { host, nodeId = `guarded-${host}`, limits, listener: listenerAdmission, listenerClock, handshakeTimeoutMs, upgradeTimeoutMs, connection: conn, ...poolOptions } = options;
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const logger = pino({ level: 'silent' });
  const connection = { clock: systemClock, logger, pingTimeoutMs: 300, sendTimeoutMs: 2000, ...conn };
  // Made once the listener's port is known; the listener asks it only after that.
  const ref: { pool?: UnifiedPeerManager } = {};
  const listener = new PeerListener({
    host,
    port: 0,
    identity: { network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort: 0 },
    logger,
    connection,
    ...(listenerClock ? { clock: listenerClock } : {}),
    ...(handshakeTimeoutMs ? { handshakeTimeoutMs } : {}),
    ...(upgradeTimeoutMs ? { upgradeTimeoutMs } : {}),
    // The same lists as the pool's: the deny list is checked before any handshake.
    admission: { ...listenerAdmission, ipFilter: new IpFilter({ allow: limits?.allow ?? [], deny: limits?.deny ?? [] }), admit: (info) => ref.pool?.admitInbound(info) },
  });
  const { port } = await listener.listen();
  const identity = { network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort: port };
  const dialer = createDialer({ identity, localAddress: host, timeoutMs: 3000, logger, connection });
  const pool = new UnifiedPeerManager({ ...poolOptions, identity, dialer, clock, logger, ...(limits ? { limits } : {}) });
  ref.pool = pool;
  const p = pool;
  listener.on('peer', (c, info) => {
    p.addConnectedPeer(c, info).catch(() => c.close('removed'));
  });
  return {
    pool: p,
    listener,
    dialer,
    clock,
    host,
    port,
    nodeId,
    address: `${host}:${port}`,
    async close() {
      await listener.close();
      await p.close();
    },
  };
}
