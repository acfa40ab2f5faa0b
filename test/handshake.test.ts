import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock } from '../src/contract/clock.js';
import { MAX_HANDSHAKE_BYTES } from '../src/contract/codec.js';
import type { NodeIdentity } from '../src/contract/connection.js';
import { HandshakeError } from '../src/contract/errors.js';
import { acceptHandshake, helloOf, initiateHandshake, parseHello } from '../src/transport/handshake.js';

const SERVER_IP = '127.0.10.1';
const CLIENT_IP = '127.0.10.2';
const server: NodeIdentity = { network: 'main', nodeId: 'server-node', version: '1.2.0', listenPort: 7001 };
const client: NodeIdentity = { network: 'main', nodeId: 'client-node', version: '1.1.0', listenPort: 7002 };

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** A bare ws server: each test drives the server side of the handshake itself. */
async function rawServer(): Promise<{ port: number; next: () => Promise<[WebSocket, IncomingMessage]> }> {
  const wss = new WebSocketServer({ host: SERVER_IP, port: 0, perMessageDeflate: false });
  const sockets: WebSocket[] = [];
  cleanup.push(() => {
    for (const ws of sockets) ws.terminate();
    wss.close();
  });
  const queue: Array<[WebSocket, IncomingMessage]> = [];
  const waiters: Array<(c: [WebSocket, IncomingMessage]) => void> = [];
  wss.on('connection', (ws, req) => {
    sockets.push(ws);
    const waiter = waiters.shift();
    if (waiter) waiter([ws, req]);
    else queue.push([ws, req]);
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    next: () => {
      const item = queue.shift();
      return item ? Promise.resolve(item) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

async function rawClient(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${SERVER_IP}:${port}`, { localAddress: CLIENT_IP, perMessageDeflate: false });
  cleanup.push(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

function closeOf(ws: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
}

async function faultOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandshakeError);
  return (err as HandshakeError).fault;
}

describe('handshake', () => {
  it('exchanges Hellos and builds each side\'s PeerInfo', async () => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const before = [sws.listenerCount('close'), ws.listenerCount('close'), sws.listenerCount('error'), ws.listenerCount('error')];
    const [inbound, outbound] = await Promise.all([
      acceptHandshake(sws, req.socket.remoteAddress, { identity: server }),
      initiateHandshake(ws, { host: SERVER_IP, port: srv.port }, { identity: client }),
    ]);
    expect(inbound.info).toEqual({ ip: CLIENT_IP, port: 7002, version: '1.1.0', direction: 'inbound', nodeId: 'client-node' });
    expect(outbound.info).toEqual({ ip: SERVER_IP, port: srv.port, version: '1.2.0', direction: 'outbound', nodeId: 'server-node' });
    inbound.early.detach();
    outbound.early.detach();
    // Everything the handshake put on the sockets is gone once handed over.
    expect([sws.listenerCount('message'), ws.listenerCount('message')]).toEqual([0, 0]);
    expect([sws.listenerCount('close'), ws.listenerCount('close'), sws.listenerCount('error'), ws.listenerCount('error')]).toEqual(before);
  });

  it('reports version "unknown" for a Hello without one', async () => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server });
    ws.send(JSON.stringify({ type: 'Hello', network: 'main', nodeId: 'old-node', listenPort: 7003 }));
    const { info, early } = await accepted;
    early.detach();
    expect(info.version).toBe('unknown');
    expect(info.port).toBe(7003);
  });

  it.each([
    ['not JSON', 'hello there'],
    ['wrong shape', JSON.stringify({ type: 'Hello', network: 'main' })],
    ['a protocol message instead', JSON.stringify({ type: 'GetPeerList' })],
    ['a port out of range', JSON.stringify({ ...helloOf(client), listenPort: 70000 })],
    ['binary', Buffer.from(JSON.stringify(helloOf(client)))],
    ['over the handshake cap', JSON.stringify({ ...helloOf(client), pad: 'x'.repeat(MAX_HANDSHAKE_BYTES) })],
  ])('refuses garbage (%s) and closes with 1008', async (_what, frame) => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const closed = closeOf(ws);
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server });
    ws.send(frame);
    expect(await faultOf(accepted)).toBe('garbage');
    expect(await closed).toEqual([1008, 'handshake: garbage']);
  });

  it('refuses another network with wrong-magic, and the dialler learns why', async () => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const closed = closeOf(ws);
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server });
    const initiated = initiateHandshake(ws, { host: SERVER_IP, port: srv.port }, { identity: { ...client, network: 'test' } });
    expect(await faultOf(accepted)).toBe('wrong-magic');
    expect(await faultOf(initiated)).toBe('closed');
    expect(await closed).toEqual([1008, 'handshake: wrong-magic']);
  });

  it('refuses its own node id (self) on the server side', async () => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const closed = closeOf(ws);
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server });
    ws.send(JSON.stringify(helloOf({ ...client, nodeId: server.nodeId })));
    expect(await faultOf(accepted)).toBe('self');
    expect((await closed)[1]).toBe('handshake: self');
  });

  it('checks the answer on the client side: magic and node id', async () => {
    for (const [answer, fault] of [
      [{ ...server, network: 'other' }, 'wrong-magic'],
      [{ ...server, nodeId: client.nodeId }, 'self'],
    ] as const) {
      const srv = await rawServer();
      const ws = await rawClient(srv.port);
      const [sws] = await srv.next();
      const closed = closeOf(sws);
      sws.once('message', () => sws.send(JSON.stringify(helloOf(answer))));
      expect(await faultOf(initiateHandshake(ws, { host: SERVER_IP, port: srv.port }, { identity: client }))).toBe(fault);
      expect(await closed).toEqual([1008, `handshake: ${fault}`]);
    }
  });

  it('times out when the client never says Hello, on the injected clock', async () => {
    const clock = new ManualClock();
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const closed = closeOf(ws);
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server, clock, timeoutMs: 5000 });
    clock.advance(4999);
    expect(clock.pending).toBe(1);
    clock.advance(1);
    expect(await faultOf(accepted)).toBe('timeout');
    expect(clock.pending).toBe(0);
    expect(await closed).toEqual([1008, 'handshake: timeout']);
  });

  it('times out on the client side when the server never answers', async () => {
    const clock = new ManualClock();
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws] = await srv.next();
    const got = new Promise((resolve) => sws.once('message', resolve));
    const initiated = initiateHandshake(ws, { host: SERVER_IP, port: srv.port }, { identity: client, clock, timeoutMs: 3000 });
    await got;
    clock.advance(3000);
    expect(await faultOf(initiated)).toBe('timeout');
  });

  it('fails with closed when the socket goes away, and when aborted', async () => {
    const clock = new ManualClock();
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server, clock });
    ws.terminate();
    expect(await faultOf(accepted)).toBe('closed');
    expect(clock.pending).toBe(0);

    const ws2 = await rawClient(srv.port);
    const [sws2, req2] = await srv.next();
    const abort = new AbortController();
    const closed = closeOf(ws2);
    const accepted2 = acceptHandshake(sws2, req2.socket.remoteAddress, { identity: server, clock, signal: abort.signal });
    abort.abort();
    expect(await faultOf(accepted2)).toBe('closed');
    expect(clock.pending).toBe(0);
    expect((await closed)[0]).toBe(1006);
  });

  it('keeps the frames that arrive in the same chunk as the Hello', async () => {
    const srv = await rawServer();
    const ws = await rawClient(srv.port);
    const [sws, req] = await srv.next();
    const accepted = acceptHandshake(sws, req.socket.remoteAddress, { identity: server });
    // Corked: Hello and two messages reach the server in one TCP chunk, so ws emits them in one tick.
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    ws.send(JSON.stringify(helloOf(client)));
    ws.send('{"type":"GetPeerList"}');
    ws.send('second');
    socket.uncork();
    const { early } = await accepted;
    await new Promise((resolve) => setTimeout(resolve, 50));
    early.detach();
    expect(early.frames.map(([data]) => data.toString())).toEqual(['{"type":"GetPeerList"}', 'second']);
  });
});

describe('parseHello', () => {
  it('accepts a Hello with extra fields and refuses anything else as garbage', () => {
    expect(parseHello(Buffer.from(JSON.stringify({ ...helloOf(client), extra: 1 })), false).nodeId).toBe('client-node');
    for (const bad of ['', 'null', '[]', '{"type":"Hello"}', '{"type":"hello","network":"m","nodeId":"n","listenPort":1}']) {
      expect(() => parseHello(Buffer.from(bad), false)).toThrow(HandshakeError);
    }
  });
});
