import { afterEach, describe, expect, it } from 'vitest';
import type { NodeIdentity } from '../src/contract/connection.js';
import { createDialer } from '../src/transport/dialer.js';
import { PingTimeoutError } from '../src/contract/errors.js';
import type { NetworkMessage } from '../src/contract/messages.js';
import type { PeerConnection } from '../src/transport/peer-connection.js';
import { PeerListener } from '../src/transport/peer-listener.js';
import type { PeerInfo } from '../src/contract/types.js';
import { spawnPeer, stopAllPeers, type RemotePeer } from './helpers/remote-peer.js';

const NETWORK = 'remote-peer-test';
const LOCAL_IP = '127.0.11.1';
const local: NodeIdentity = { network: NETWORK, nodeId: 'local', version: '3.0.0', listenPort: 0 };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await stopAllPeers();
});

async function localListener(): Promise<{ port: number; next: () => Promise<[PeerConnection, PeerInfo]> }> {
  const listener = new PeerListener({ host: LOCAL_IP, port: 0, identity: local });
  const { port } = await listener.listen();
  const peers: PeerConnection[] = [];
  cleanup.push(async () => {
    for (const c of peers) c.terminate();
    await listener.close();
  });
  return {
    port,
    next: () =>
      new Promise((resolve) =>
        listener.once('peer', (c, info) => {
          peers.push(c);
          resolve([c, info]);
        }),
      ),
  };
}

function closeOf(c: PeerConnection): Promise<[number, string]> {
  return new Promise((resolve) => c.on('close', (code, reason) => resolve([code, reason])));
}

const vote: NetworkMessage = { type: 'BlockVote', height: 1, hash: 'h', voter: 'v', approve: true };

describe('remote peer (child process)', () => {
  it('two peers dial each other, exchange messages, and report stats', async () => {
    const [a, b] = await Promise.all([
      spawnPeer({ host: '127.0.11.2', network: NETWORK, nodeId: 'peer-a' }),
      spawnPeer({ host: '127.0.11.3', network: NETWORK, nodeId: 'peer-b', version: '0.9' }),
    ]);
    expect(a.listenPort).toBeGreaterThan(0);
    expect(a.pid).not.toBe(b.pid);
    const info = await a.dial(b.address);
    expect(info).toEqual({ ip: '127.0.11.3', port: b.listenPort, version: '0.9', direction: 'outbound', nodeId: 'peer-b' });
    expect(await a.send(vote)).toEqual({ sent: 1, failed: 0 });
    expect(await b.waitForReceived(1)).toEqual([vote]);
    expect(b.receivedEntries()).toEqual([{ from: 'peer-a', ip: '127.0.11.2', message: vote }]);
    await b.send({ type: 'GetPeerList' }, 'peer-a');
    await a.waitForReceived(1);
    expect(await b.stats()).toEqual({ received: 1, byType: { BlockVote: 1 }, connections: 1 });
    expect(await a.send(vote, 'nobody')).toEqual({ sent: 0, failed: 0 });
  });

  it('dials from its own host, says its listen port, and closes with a reason', async () => {
    const l = await localListener();
    const peer = await spawnPeer({ host: '127.0.11.4', network: NETWORK, nodeId: 'peer-c' });
    const inbound = l.next();
    const info = await peer.dial({ host: LOCAL_IP, port: l.port });
    expect(info).toMatchObject({ ip: LOCAL_IP, port: l.port, nodeId: 'local', version: '3.0.0' });
    const [connection, inboundInfo] = await inbound;
    expect(inboundInfo).toEqual({ ip: '127.0.11.4', port: peer.listenPort, version: '1.0.0', direction: 'inbound', nodeId: 'peer-c' });
    const got: NetworkMessage[] = [];
    connection.on('message', (m) => got.push(m));
    await peer.send(vote);
    await connection.send({ type: 'GetPeerList' });
    expect(await peer.waitForReceived(1)).toEqual([{ type: 'GetPeerList' }]);
    const closed = closeOf(connection);
    expect(await peer.closeAll('removed')).toBe(1);
    expect(await closed).toEqual([4000, 'removed']);
    expect(got).toEqual([vote]);
  });

  it('sends a malformed frame on demand; the receiver closes with 1002', async () => {
    const l = await localListener();
    const peer = await spawnPeer({ host: '127.0.11.5', network: NETWORK, nodeId: 'peer-d' });
    const inbound = l.next();
    await peer.dial({ host: LOCAL_IP, port: l.port });
    const [connection] = await inbound;
    const faults: string[] = [];
    connection.on('protocol-error', (e) => faults.push(e.fault));
    connection.on('message', () => undefined);
    const closed = closeOf(connection);
    await peer.sendRaw('{"type":"BlockVote","height":1}');
    expect((await closed)[0]).toBe(1002);
    expect(faults).toEqual(['missing-field']);
  });

  it('plays a peer that never pongs', async () => {
    const peer = await spawnPeer({ host: '127.0.11.6', network: NETWORK, nodeId: 'peer-e', autoPong: false });
    const dial = createDialer({ identity: local, localAddress: LOCAL_IP, connection: { pingTimeoutMs: 200 } });
    const { connection } = await dial({ host: peer.host, port: peer.listenPort });
    cleanup.push(() => connection.terminate());
    await expect(connection.ping()).rejects.toBeInstanceOf(PingTimeoutError);
  });

  it('reports a killed peer: its connections drop, its requests reject', async () => {
    const peer: RemotePeer = await spawnPeer({ host: '127.0.11.7', network: NETWORK, nodeId: 'peer-f' });
    const dial = createDialer({ identity: local, localAddress: LOCAL_IP });
    const { connection } = await dial({ host: peer.host, port: peer.listenPort });
    connection.on('message', () => undefined);
    const closed = closeOf(connection);
    const waiting = peer.waitForReceived(1, 10_000);
    expect(peer.kill('SIGKILL')).toBe(true);
    expect((await closed)[0]).toBe(1006);
    await expect(waiting).rejects.toThrow(/exited \(SIGKILL\)/);
    await expect(peer.stats()).rejects.toThrow(/exited/);
    expect(peer.exited).toBe(true);
    expect(peer.kill()).toBe(false);
    await peer.stop();
  });

  it('stops a frozen peer', async () => {
    const peer = await spawnPeer({ host: '127.0.11.8', network: NETWORK, nodeId: 'peer-g' });
    peer.kill('SIGSTOP');
    await peer.stop(500);
    expect(peer.exited).toBe(true);
  });

  it('rejects the spawn when the peer cannot listen, and leaves nothing running', async () => {
    const err = await spawnPeer({ host: '192.0.2.1', network: NETWORK, nodeId: 'peer-x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/peer-x exited before listening.*EADDRNOTAVAIL/s);
  });

  it('times out waiting for messages that never come', async () => {
    const peer = await spawnPeer({ host: '127.0.11.9', network: NETWORK, nodeId: 'peer-h' });
    await expect(peer.waitForReceived(1, 100)).rejects.toThrow(/0\/1 messages/);
  });
});
