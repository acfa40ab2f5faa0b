import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { ManualClock, systemClock } from '../../../src/contract/clock.js';
import { createDialer } from '../../../src/transport/dialer.js';
import { DualModePool, type DualModePoolOptions } from '../../../src/dual/dual-mode-pool.js';
import type { PeerConnectionOptions } from '../../../src/transport/peer-connection.js';
import { PeerListener } from '../../../src/transport/peer-listener.js';
import { waitFor } from '../../helpers/wait.js';
import { TEST_NETWORK } from '../../helpers/test-node.js';

export interface DualNode {
  readonly pool: DualModePool;
  readonly listener: PeerListener;
  readonly clock: ManualClock;
  readonly host: string;
  readonly address: string;
  close(): Promise<void>;
}

/** A node whose pool is a DualModePool, on a loopback address of 127.0.30-39.x (the rate-limit tests: 127.0.87.x); the pool runs on a ManualClock. */
export async function startDualNode(
  host: string,
  options: Partial<DualModePoolOptions> = {},
  logger: Logger = pino({ level: 'silent' }),
  /** More transport options for every connection (e.g. the rate limit). */
  extra: Omit<PeerConnectionOptions, 'clock' | 'logger'> = {},
): Promise<DualNode> {
  const clock = new ManualClock();
  const nodeId = `dual-${host}`;
  const connection = { clock: systemClock, logger, pingTimeoutMs: 500, sendTimeoutMs: 2000, ...extra };
  const listener = new PeerListener({ host, port: 0, identity: { network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort: 0 }, logger, connection });
  const { port } = await listener.listen();
  const identity = { network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort: port };
  const dialer = createDialer({ identity, localAddress: host, timeoutMs: 3000, logger, connection });
  const pool = new DualModePool({ identity, dialer, clock, logger, ...options });
  listener.on('peer', (conn, info) => {
    pool.addConnectedPeer(conn, info).catch(() => conn.close('removed'));
  });
  return {
    pool,
    listener,
    clock,
    host,
    address: `${host}:${port}`,
    async close() {
      await listener.close();
      await pool.close();
    },
  };
}

/** A bare ws peer that records every frame it gets (messages as text, pings, the close code). */
export interface RecordingPeer {
  readonly frames: string[];
  readonly ws: WebSocket;
  send(message: unknown): void;
  close(): void;
}

export async function recordingPeer(host: string, target: string, nodeId = `rec-${host}`): Promise<RecordingPeer> {
  const ws = new WebSocket(`ws://${target}`, { localAddress: host, perMessageDeflate: false });
  const frames: string[] = [];
  let helloSeen = false;
  ws.on('message', (data) => {
    const text = String(data);
    if (!helloSeen && text.includes('"Hello"')) {
      helloSeen = true;
      return;
    }
    frames.push(text);
  });
  ws.on('ping', () => frames.push('ping'));
  ws.on('close', (code) => frames.push(`close ${code}`));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'Hello', network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort: 0 }));
  await waitFor(() => helloSeen, 'hello answered');
  return {
    frames,
    ws,
    send: (m) => ws.send(JSON.stringify(m)),
    close: () => ws.close(),
  };
}
