/**
 * A poolshift peer in its own process, driven over IPC by remote-peer.ts: a PeerListener on the
 * host given in argv[2] (JSON config), a dialer bound to the same host, and a record of what it
 * received. Start: spawn(process.execPath, ['--import', 'tsx', thisFile, config], { stdio: [..., 'ipc'] }).
 */
import { createDialer } from '../../src/transport/dialer.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { PeerConnection } from '../../src/transport/peer-connection.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import type { DisconnectReason, PeerAddress, PeerInfo } from '../../src/contract/types.js';

export interface PeerProcessConfig {
  readonly host: string;
  readonly network: string;
  readonly nodeId: string;
  readonly version?: string;
  /** false: the peer never answers pings. */
  readonly autoPong?: boolean;
}

/** Parent -> child. `id` pairs the reply. */
export type PeerCommand =
  | { id: number; cmd: 'dial'; address: PeerAddress | string }
  | { id: number; cmd: 'send'; key?: string; message: NetworkMessage }
  | { id: number; cmd: 'send-raw'; key?: string; data: string }
  | { id: number; cmd: 'close-all'; reason?: DisconnectReason }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'exit' };

export interface ReceivedEntry {
  readonly from: string;
  readonly ip: string;
  readonly message: NetworkMessage;
}

export interface PeerProcessStats {
  readonly received: number;
  readonly byType: Record<string, number>;
  readonly connections: number;
}

/** Child -> parent. */
export type PeerEvent =
  | { event: 'ready'; listenPort: number }
  | { event: 'received'; entry: ReceivedEntry }
  | { event: 'reply'; id: number; ok: true; result: unknown }
  | { event: 'reply'; id: number; ok: false; error: { name: string; code?: string; message: string } }
  | { event: 'fatal'; error: string };

function post(message: PeerEvent): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as PeerProcessConfig;
  const identity = { network: config.network, nodeId: config.nodeId, version: config.version ?? '1.0.0', listenPort: 0 };
  const connections = new Map<PeerConnection, PeerInfo>();
  const byType: Record<string, number> = {};
  let received = 0;

  const adopt = (connection: PeerConnection, info: PeerInfo): void => {
    connections.set(connection, info);
    connection.on('message', (message) => {
      received++;
      byType[message.type] = (byType[message.type] ?? 0) + 1;
      post({ event: 'received', entry: { from: info.nodeId, ip: info.ip, message } });
    });
    connection.on('close', () => connections.delete(connection));
  };

  const listener = new PeerListener({ host: config.host, port: 0, identity, autoPong: config.autoPong });
  listener.on('peer', adopt);
  const { port } = await listener.listen();
  const dial = createDialer({ identity: { ...identity, listenPort: port }, localAddress: config.host, autoPong: config.autoPong });

  /** The connections a command names: by node id or IP, or all of them. */
  const targets = (key: string | undefined): PeerConnection[] =>
    [...connections].filter(([, info]) => key === undefined || info.nodeId === key || info.ip === key).map(([c]) => c);

  const sendAll = async (key: string | undefined, send: (c: PeerConnection) => Promise<void>): Promise<{ sent: number; failed: number }> => {
    const results = await Promise.allSettled(targets(key).map(send));
    return { sent: results.filter((r) => r.status === 'fulfilled').length, failed: results.filter((r) => r.status === 'rejected').length };
  };

  const handle = async (command: PeerCommand): Promise<unknown> => {
    switch (command.cmd) {
      case 'dial': {
        const { connection, info } = await dial(command.address);
        adopt(connection, info);
        return info;
      }
      case 'send':
        return sendAll(command.key, (c) => c.send(command.message));
      case 'send-raw':
        // Not validated: how a test makes this peer send a malformed frame.
        return sendAll(command.key, (c) => c.sendEncoded(command.data));
      case 'close-all': {
        // Starts each closing handshake; the other side sees the close frame at once.
        const all = [...connections.keys()];
        for (const c of all) c.close(command.reason ?? 'shutdown');
        return all.length;
      }
      case 'stats':
        return { received, byType: { ...byType }, connections: connections.size } satisfies PeerProcessStats;
      case 'exit':
        await listener.close();
        for (const c of connections.keys()) c.terminate();
        setImmediate(() => process.exit(0));
        return null;
    }
  };

  process.on('message', (command: PeerCommand) => {
    handle(command).then(
      (result) => post({ event: 'reply', id: command.id, ok: true, result }),
      (err: Error & { code?: string }) =>
        post({ event: 'reply', id: command.id, ok: false, error: { name: err.name, code: err.code, message: err.message } }),
    );
  });
  // An orphan would hold its port and its sockets: leave with the parent.
  process.on('disconnect', () => process.exit(0));
  post({ event: 'ready', listenPort: port });
}

/** Tells the parent why, then exits once the message is out (process.exit would drop it). */
function die(err: unknown): void {
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (!process.send) process.exit(1);
  process.send({ event: 'fatal', error } satisfies PeerEvent, () => process.exit(1));
}

process.on('uncaughtException', die);
main().catch(die);
