/**
 * A unified node in its own process, meant to be started inside a Linux network namespace
 * (`ip netns exec NS node --import tsx netns-node.ts '<config>'`), driven over IPC: it listens on
 * its namespace address, dials on request, and reports the peers its pool holds.
 */
import { pino } from 'pino';
import { systemClock } from '../../../src/contract/clock.js';
import { createDialer } from '../../../src/transport/dialer.js';
import { PeerListener } from '../../../src/transport/peer-listener.js';
import { UnifiedPeerManager } from '../../../unified/unified-peer-manager.js';

export interface NetnsNodeConfig {
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly keepAliveIntervalMs: number;
  readonly staleAfterMs: number;
  readonly reaperIntervalMs: number;
}

export type NetnsCommand = { id: number; cmd: 'dial'; address: string } | { id: number; cmd: 'state' } | { id: number; cmd: 'exit' };
export interface NetnsState {
  readonly peers: string[];
  readonly disconnects: Record<string, number>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as NetnsNodeConfig;
  const logger = pino({ level: 'silent' });
  const identity = { network: 'poolshift-netns', nodeId: config.nodeId, version: '1.0.0', listenPort: config.port };
  // A short ping timeout: over a dead link the ping fails fast, and staleness is what reaps.
  const connection = { clock: systemClock, logger, pingTimeoutMs: 200, sendTimeoutMs: 1000 };
  const listener = new PeerListener({ host: config.host, port: config.port, identity, logger, connection });
  await listener.listen();
  const dialer = createDialer({ identity, localAddress: config.host, timeoutMs: 1000, logger, connection });
  const pool = new UnifiedPeerManager({ identity, dialer, clock: systemClock, logger, ...config });
  listener.on('peer', (c, info) => void pool.addConnectedPeer(c, info).catch(() => c.close('removed')));
  pool.start();
  process.on('message', (c: NetnsCommand) => {
    const reply = (ok: boolean, result: unknown) => process.send?.({ id: c.id, ok, result });
    if (c.cmd === 'dial') pool.connectToPeer(c.address).then((info) => reply(true, info), (err: Error) => reply(false, err.message));
    else if (c.cmd === 'state') reply(true, { peers: [...pool.connections.keys()], disconnects: pool.getPoolStats().disconnects } satisfies NetnsState);
    else if (c.cmd === 'exit') {
      void listener.close().then(() => pool.close()).then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, ok: true, result: 'ready' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
