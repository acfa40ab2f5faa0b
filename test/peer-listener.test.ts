import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock } from '../src/contract/clock.js';
import type { NodeIdentity } from '../src/contract/connection.js';
import { createDialer } from '../src/transport/dialer.js';
import { AddressError, DialError, DialTimeoutError, HandshakeError } from '../src/contract/errors.js';
import { helloOf } from '../src/transport/handshake.js';
import type { PeerConnection } from '../src/transport/peer-connection.js';
import { PeerListener, type PeerListenerOptions, type RefusedPeer } from '../src/transport/peer-listener.js';
import type { PeerInfo } from '../src/contract/types.js';
import { captureLogs } from './helpers/log-capture.js';

const SERVER_IP = '127.0.10.40';
const CLIENT_IP = '127.0.10.41';
const RAW_IP = '127.0.10.42';
const OTHER_IP = '127.0.10.43';
const serverId: NodeIdentity = { network: 'main', nodeId: 'srv', version: '2.0.0', listenPort: 0 };
const clientId: NodeIdentity = { network: 'main', nodeId: 'cli', version: '2.1.0', listenPort: 8444 };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Harness {
  listener: PeerListener;
  port: number;
  peers: Array<[PeerConnection, PeerInfo]>;
  refused: RefusedPeer[];
  nextPeer(): Promise<[PeerConnection, PeerInfo]>;
  nextRefused(): Promise<RefusedPeer>;
}

async function start(options: Partial<PeerListenerOptions> = {}): Promise<Harness> {
  const listener = new PeerListener({ host: SERVER_IP, port: 0, identity: serverId, ...options });
  const peers: Array<[PeerConnection, PeerInfo]> = [];
  const refused: RefusedPeer[] = [];
  listener.on('peer', (c, info) => {
    cleanup.push(() => c.terminate());
    peers.push([c, info]);
  });
  listener.on('refused', (r) => refused.push(r));
  const { port } = await listener.listen();
  cleanup.push(() => listener.close());
  const next = <T>(list: T[], event: 'peer' | 'refused'): Promise<T> =>
    new Promise((resolve) => {
      const seen = list.length;
      listener.once(event, () => resolve(list[seen] as T));
    });
  return {
    listener,
    port,
    peers,
    refused,
    nextPeer: () => next(peers, 'peer'),
    nextRefused: () => next(refused, 'refused'),
  };
}

async function rawClient(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${SERVER_IP}:${port}`, { localAddress: RAW_IP, perMessageDeflate: false });
  cleanup.push(() => ws.terminate());
  ws.on('error', () => undefined);
  await new Promise((resolve) => ws.once('open', resolve));
  return ws;
}

function closeOf(ws: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('PeerListener', () => {
  it('hands out an inbound connection with the peer\'s info once the Hello is accepted', async () => {
    const h = await start();
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP });
    const nextPeer = h.nextPeer();
    const { connection, info } = await dial(`${SERVER_IP}:${h.port}`);
    cleanup.push(() => connection.terminate());
    const [inbound, inboundInfo] = await nextPeer;
    expect(inboundInfo).toEqual({ ip: CLIENT_IP, port: 8444, version: '2.1.0', direction: 'inbound', nodeId: 'cli' });
    expect(info).toEqual({ ip: SERVER_IP, port: h.port, version: '2.0.0', direction: 'outbound', nodeId: 'srv' });
    expect(inbound.remoteIp).toBe(CLIENT_IP);
    expect(inbound.isOpen).toBe(true);
    expect(h.listener.stats()).toEqual({ accepted: 1, refused: 0, pendingHandshakes: 0 });
    expect(h.listener.address()).toEqual({ host: SERVER_IP, port: h.port });
  });

  it('announces the port it bound when its identity says listenPort 0', async () => {
    const h = await start();
    const raw = await rawClient(h.port);
    const answer = new Promise<string>((resolve) => raw.once('message', (data: Buffer) => resolve(data.toString())));
    raw.send(JSON.stringify(helloOf(clientId)));
    expect(JSON.parse(await answer)).toEqual(helloOf({ ...serverId, listenPort: h.port }));
  });

  it('a bind that fails (an address not on this host) rejects listen() and logs nothing: the caller tells it, once', async () => {
    const log = captureLogs();
    // 192.0.2.1 (TEST-NET-1) is assigned to no host: EADDRNOTAVAIL.
    const l = new PeerListener({ host: '192.0.2.1', port: 0, identity: serverId, logger: log.logger });
    cleanup.push(() => l.close());
    await expect(l.listen()).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
    expect(log.lines.filter((r) => r.level >= 40)).toEqual([]);
  });

  it('refuses another network with the reason, and counts it', async () => {
    const h = await start();
    const dial = createDialer({ identity: { ...clientId, network: 'testnet' }, localAddress: CLIENT_IP });
    const refused = h.nextRefused();
    const err = await rejection(dial({ host: SERVER_IP, port: h.port }));
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as Error).message).toContain('handshake: wrong-magic');
    expect(await refused).toMatchObject({ remoteIp: CLIENT_IP, fault: 'wrong-magic' });
    expect((await refused).detail).toContain('testnet');
    expect(h.listener.stats()).toEqual({ accepted: 0, refused: 1, pendingHandshakes: 0 });
    expect(h.peers).toHaveLength(0);
  });

  it('refuses garbage and a dial to itself, leaving the other connections untouched', async () => {
    const h = await start();
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP });
    const { connection } = await dial({ host: SERVER_IP, port: h.port });
    cleanup.push(() => connection.terminate());
    await until(() => h.peers.length === 1);
    const [inbound] = h.peers[0] as [PeerConnection, PeerInfo];

    const raw = await rawClient(h.port);
    const closed = closeOf(raw);
    const refused = h.nextRefused();
    raw.send('GET / HTTP/1.0');
    expect(await closed).toEqual([1008, 'handshake: garbage']);
    expect(await refused).toMatchObject({ remoteIp: RAW_IP, fault: 'garbage' });

    const selfDial = createDialer({ identity: { ...clientId, nodeId: 'srv' }, localAddress: OTHER_IP });
    const refusedSelf = h.nextRefused();
    expect(await rejection(selfDial({ host: SERVER_IP, port: h.port }))).toBeInstanceOf(HandshakeError);
    expect(await refusedSelf).toMatchObject({ remoteIp: OTHER_IP, fault: 'self' });

    expect(h.listener.stats()).toEqual({ accepted: 1, refused: 2, pendingHandshakes: 0 });
    const got = new Promise((resolve) => inbound.on('message', resolve));
    await connection.send({ type: 'GetPeerList' });
    expect(await got).toEqual({ type: 'GetPeerList' });
    expect(inbound.isOpen && connection.isOpen).toBe(true);
  });

  it('times out a client that never says Hello, on the injected clock', async () => {
    const clock = new ManualClock();
    const h = await start({ clock, handshakeTimeoutMs: 5000 });
    const raw = await rawClient(h.port);
    const closed = closeOf(raw);
    await until(() => h.listener.stats().pendingHandshakes === 1);
    const refused = h.nextRefused();
    clock.advance(5000);
    expect(await refused).toMatchObject({ remoteIp: RAW_IP, fault: 'timeout' });
    expect(await closed).toEqual([1008, 'handshake: timeout']);
    expect(h.listener.stats()).toEqual({ accepted: 0, refused: 1, pendingHandshakes: 0 });
    // The refusal grace timer lives until our side has read the client's answering close frame.
    await until(() => h.listener.closingSockets === 0);
    expect(clock.pending).toBe(0);
  });

  it('close() drops pending handshakes and their timers but keeps handed-out connections', async () => {
    const clock = new ManualClock();
    const h = await start({ clock });
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP });
    const { connection } = await dial({ host: SERVER_IP, port: h.port });
    cleanup.push(() => connection.terminate());
    await until(() => h.peers.length === 1);
    const [inbound] = h.peers[0] as [PeerConnection, PeerInfo];

    const raw = await rawClient(h.port);
    const closed = closeOf(raw);
    await until(() => h.listener.stats().pendingHandshakes === 1);
    expect(clock.pending).toBe(1);
    await h.listener.close();
    expect(h.listener.stats().pendingHandshakes).toBe(0);
    expect(clock.pending).toBe(0);
    expect((await closed)[0]).toBe(1006);
    expect(h.listener.stats().refused).toBe(0);

    const err = await rejection(dial({ host: SERVER_IP, port: h.port }));
    expect(err).toBeInstanceOf(DialError);
    const got = new Promise((resolve) => inbound.on('message', resolve));
    await connection.send({ type: 'GetPeerList' });
    expect(await got).toEqual({ type: 'GetPeerList' });
  });

  it('fails listen() on a port in use', async () => {
    const h = await start();
    const second = new PeerListener({ host: SERVER_IP, port: h.port, identity: serverId });
    const err = await rejection(second.listen());
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    await second.close();
  });
});

describe('dialer', () => {
  it('gives DialError with the cause for a closed port', async () => {
    const h = await start();
    const port = h.port;
    await h.listener.close();
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP });
    const err = await rejection(dial({ host: SERVER_IP, port }));
    expect(err).toBeInstanceOf(DialError);
    expect((err as DialError).code).toBe('POOLSHIFT_ERR_DIAL_FAILED');
    expect(((err as DialError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('refuses an address that does not parse', async () => {
    const dial = createDialer({ identity: clientId });
    expect(await rejection(dial('127.0.10.40'))).toBeInstanceOf(AddressError);
    expect(await rejection(dial({ host: SERVER_IP, port: 0 }))).toBeInstanceOf(AddressError);
  });

  it('times out (connect + handshake) against a peer that never answers the Hello', async () => {
    const wss = new WebSocketServer({ host: SERVER_IP, port: 0 });
    cleanup.push(() => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    });
    await new Promise((resolve) => wss.once('listening', resolve));
    const hello = new Promise<[WebSocket, string]>((resolve) =>
      wss.on('connection', (ws) => ws.once('message', (data) => resolve([ws, data.toString()]))),
    );
    const clock = new ManualClock();
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP, clock, timeoutMs: 5000 });
    const dialled = dial({ host: SERVER_IP, port: (wss.address() as AddressInfo).port });
    const [server, text] = await hello;
    expect(JSON.parse(text)).toEqual(helloOf(clientId));
    const gone = new Promise((resolve) => server.once('close', resolve));
    clock.advance(5000);
    const err = await rejection(dialled);
    expect(err).toBeInstanceOf(DialTimeoutError);
    expect((err as Error).message).toMatch(/^Connection timeout after 5 seconds/);
    await gone; // the socket was terminated
    expect(clock.pending).toBe(0);
  });

  it('times out against a TCP server that never answers the upgrade', async () => {
    const sockets: Socket[] = [];
    // Reads (and so notices the end of) the upgrade request, never answers it.
    const tcp: Server = createServer((s) => sockets.push(s.resume()));
    cleanup.push(() => {
      for (const s of sockets) s.destroy();
      tcp.close();
    });
    await new Promise<void>((resolve) => tcp.listen(0, SERVER_IP, resolve));
    const clock = new ManualClock();
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP, clock, timeoutMs: 2000 });
    const dialled = dial({ host: SERVER_IP, port: (tcp.address() as AddressInfo).port });
    await until(() => sockets.length === 1);
    const gone = new Promise((resolve) => sockets[0]?.once('close', resolve));
    clock.advance(2000);
    const err = await rejection(dialled);
    expect(err).toBeInstanceOf(DialTimeoutError);
    expect((err as DialTimeoutError).timeoutMs).toBe(2000);
    await gone;
  });
});
