import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../src/contract/clock.js';
import { CLOSE_CODES, closeReasonText, reasonForCloseCode } from '../src/transport/close-codes.js';
import { MAX_FRAME_BYTES } from '../src/contract/codec.js';
import type { NodeIdentity } from '../src/contract/connection.js';
import { createDialer } from '../src/transport/dialer.js';
import {
  BackpressureError,
  ConnectionClosedError,
  PingTimeoutError,
  ProtocolError,
  SendTimeoutError,
} from '../src/contract/errors.js';
import { helloOf } from '../src/transport/handshake.js';
import type { NetworkMessage } from '../src/contract/messages.js';
import { PeerConnection, type PeerConnectionOptions } from '../src/transport/peer-connection.js';
import { PeerListener } from '../src/transport/peer-listener.js';
import { waitFor } from './helpers/wait.js';
import type { DisconnectReason, PeerInfo } from '../src/contract/types.js';

const SERVER_IP = '127.0.10.20';
const CLIENT_IP = '127.0.10.21';
const RAW_IP = '127.0.10.22';
const serverId: NodeIdentity = { network: 'main', nodeId: 'srv', version: '1.0.0', listenPort: 0 };
const clientId: NodeIdentity = { network: 'main', nodeId: 'cli', version: '1.0.0', listenPort: 9 };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listener(connection?: PeerConnectionOptions): Promise<{ listener: PeerListener; port: number; next: () => Promise<PeerConnection> }> {
  const l = new PeerListener({ host: SERVER_IP, port: 0, identity: serverId, connection });
  const accepted: PeerConnection[] = [];
  const waiters: Array<(c: PeerConnection) => void> = [];
  l.on('peer', (c) => {
    cleanup.push(() => c.terminate());
    const w = waiters.shift();
    if (w) w(c);
    else accepted.push(c);
  });
  const { port } = await l.listen();
  cleanup.push(() => l.close());
  return {
    listener: l,
    port,
    next: () => {
      const c = accepted.shift();
      return c ? Promise.resolve(c) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Both ends are PeerConnections, through the real listener and dialer. */
async function pair(server?: PeerConnectionOptions, client?: PeerConnectionOptions): Promise<{ server: PeerConnection; client: PeerConnection; info: PeerInfo }> {
  const l = await listener(server);
  const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP, connection: client });
  const [{ connection, info }, accepted] = await Promise.all([dial({ host: SERVER_IP, port: l.port }), l.next()]);
  cleanup.push(() => connection.terminate());
  return { server: accepted, client: connection, info };
}

/** A bare ws peer that has said Hello: the test controls exactly what it sends and reads. */
async function rawPair(server?: PeerConnectionOptions, options: { autoPong?: boolean } = {}): Promise<{ server: PeerConnection; raw: WebSocket; socket: Socket }> {
  const l = await listener(server);
  const raw = new WebSocket(`ws://${SERVER_IP}:${l.port}`, { localAddress: RAW_IP, perMessageDeflate: false, autoPong: options.autoPong ?? true });
  cleanup.push(() => raw.terminate());
  raw.on('error', () => undefined);
  await new Promise((resolve) => raw.once('open', resolve));
  const answered = new Promise((resolve) => raw.once('message', resolve));
  raw.send(JSON.stringify(helloOf(clientId)));
  const [, accepted] = await Promise.all([answered, l.next()]);
  return { server: accepted, raw, socket: (raw as unknown as { _socket: Socket })._socket };
}

function closeOf(target: PeerConnection | WebSocket): Promise<[number, string]> {
  if (target instanceof PeerConnection) return new Promise((resolve) => target.on('close', (code, reason) => resolve([code, reason])));
  return new Promise((resolve) => target.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

const vote: NetworkMessage = { type: 'BlockVote', height: 3, hash: 'h', voter: 'v', approve: true };
const big = (bytes: number): NetworkMessage => ({ type: 'Custom', kind: 'blob', data: 'x'.repeat(bytes) });

describe('PeerConnection', () => {
  it('delivers a message: send resolves, the other side sees "seen" then "message"', async () => {
    const { server, client, info } = await pair();
    expect(info).toMatchObject({ ip: SERVER_IP, direction: 'outbound', nodeId: 'srv' });
    expect(server.remoteIp).toBe(CLIENT_IP);
    expect(client.id).not.toBe(server.id);
    const events: string[] = [];
    const got = new Promise<NetworkMessage>((resolve) => {
      server.on('seen', () => events.push('seen'));
      server.on('message', (m) => {
        events.push('message');
        resolve(m);
      });
    });
    await client.send(vote);
    expect(await got).toEqual(vote);
    expect(events).toEqual(['seen', 'message']);
  });

  it('loses nothing sent before the receiver subscribes', async () => {
    const l = await listener();
    // Sent as the handshake ends: reaches the dialler in the Hello's chunk (the early frames).
    l.listener.on('peer', (c) => void c.send({ type: 'GetPeerList' }));
    const dial = createDialer({ identity: clientId, localAddress: CLIENT_IP });
    const [{ connection }, server] = await Promise.all([dial({ host: SERVER_IP, port: l.port }), l.next()]);
    cleanup.push(() => connection.terminate());
    // Sent once the dialler holds the connection but has not subscribed (a manager taking its locks).
    await server.send(vote);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const got: NetworkMessage[] = [];
    await new Promise<void>((resolve) =>
      connection.on('message', (m) => {
        got.push(m);
        if (got.length === 2) resolve();
      }),
    );
    expect(got).toEqual([{ type: 'GetPeerList' }, vote]);
  });

  it('rejects a send not flushed within sendTimeoutMs with SendTimeoutError', async () => {
    const clock = new ManualClock();
    const { server, socket } = await rawPair({ clock, sendTimeoutMs: 5000, highWaterMark: Infinity });
    socket.pause(); // the peer stops reading: its kernel buffers fill, then ours
    const sends = Array.from({ length: 6 }, () => server.send(big(8 * 1024 * 1024)).then(() => 'sent', (e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(5000);
    const results = await Promise.all(sends);
    expect(results.at(-1)).toBeInstanceOf(SendTimeoutError);
    for (const r of results) expect(r === 'sent' || r instanceof SendTimeoutError).toBe(true);
    expect(server.resources().timers).toBe(0);
  });

  it('refuses sends over the high-water mark with BackpressureError while the peer is not reading', async () => {
    const { server, socket } = await rawPair({ highWaterMark: 1024 * 1024, sendTimeoutMs: 60_000 });
    socket.pause();
    let error: unknown;
    for (let i = 0; i < 40 && !error; i++) {
      error = await Promise.race([
        server.send(big(4 * 1024 * 1024)).then(() => undefined, (e: unknown) => e),
        new Promise((resolve) => setTimeout(resolve, 20, undefined)),
      ]);
    }
    expect(error).toBeInstanceOf(BackpressureError);
    expect((error as BackpressureError).highWaterMark).toBe(1024 * 1024);
    expect((error as BackpressureError).bufferedAmount).toBeGreaterThan(1024 * 1024);
    expect(server.bufferedAmount).toBeGreaterThan(1024 * 1024);
  });

  it('measures a ping\'s round trip on the injected clock, and a pong counts as seen', async () => {
    const clock = new ManualClock();
    const { server } = await rawPair({ clock });
    let seen = 0;
    server.on('seen', () => seen++);
    const rtt = server.ping();
    clock.advance(42);
    expect(await rtt).toBe(42);
    expect(seen).toBe(1);
    expect(server.resources().timers).toBe(0);
  });

  it('matches pongs to pings by payload, several outstanding', async () => {
    const clock = new ManualClock();
    const { server, raw } = await rawPair({ clock }, { autoPong: false });
    const pings: Buffer[] = [];
    const twoPings = new Promise<void>((resolve) =>
      raw.on('ping', (data) => {
        pings.push(data);
        if (pings.length === 2) resolve();
      }),
    );
    const first = server.ping();
    clock.advance(10);
    const second = server.ping();
    await twoPings;
    clock.advance(10);
    raw.pong(pings[1]);
    expect(await second).toBe(10);
    clock.advance(5);
    raw.pong(pings[0]);
    expect(await first).toBe(25);
  });

  it('rejects a ping with PingTimeoutError when the peer does not pong', async () => {
    const clock = new ManualClock();
    const { server, raw } = await rawPair({ clock, pingTimeoutMs: 5000 }, { autoPong: false });
    const pinged = new Promise((resolve) => raw.once('ping', resolve));
    const ping = server.ping();
    await pinged;
    clock.advance(4999);
    expect(server.resources().timers).toBe(1);
    clock.advance(1);
    const err = await rejection(ping);
    expect(err).toBeInstanceOf(PingTimeoutError);
    expect(server.resources().timers).toBe(0);
    expect(server.isOpen).toBe(true);
  });

  it.each([
    ['malformed-json', 'not json'],
    ['unknown-type', '{"type":"Nope"}'],
    ['missing-field', '{"type":"BlockVote","height":1,"hash":"h","voter":"v"}'],
    ['binary-frame', Buffer.from('{"type":"GetPeerList"}')],
  ])('closes on a %s frame with 1002, counts it, and says why', async (fault, frame) => {
    const { server, raw } = await rawPair();
    const events: string[] = [];
    const errors: ProtocolError[] = [];
    server.on('seen', () => events.push('seen'));
    server.on('message', () => events.push('message'));
    server.on('protocol-error', (e) => {
      events.push('protocol-error');
      errors.push(e);
    });
    const localClose = closeOf(server);
    const remoteClose = closeOf(raw);
    raw.send(frame);
    const [code, reason] = await remoteClose;
    expect(code).toBe(1002);
    expect(reason).toMatch(new RegExp(`^protocol-error: ${fault}`));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(await localClose).toEqual([1002, reason]);
    expect(events).toEqual(['seen', 'protocol-error']);
    expect(errors[0]?.fault).toBe(fault);
    expect(server.protocolErrors).toBe(1);
    expect(server.isOpen).toBe(false);
  });

  it('lets ws close an oversized frame with 1009, reported as an oversized protocol error', async () => {
    const { server, raw } = await rawPair();
    const errors: ProtocolError[] = [];
    server.on('message', () => undefined);
    server.on('protocol-error', (e) => errors.push(e));
    const remoteClose = closeOf(raw);
    const localClose = closeOf(server);
    raw.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await remoteClose)[0]).toBe(1009);
    expect((await localClose)[0]).toBe(1009);
    expect(errors.map((e) => e.fault)).toEqual(['oversized']);
    expect(server.protocolErrors).toBe(1);
  });

  it.each(Object.keys(CLOSE_CODES) as DisconnectReason[])('sends reason %s as its close code and text', async (reason) => {
    const { server, client } = await pair();
    server.on('message', () => undefined); // reading, so the close frame is read
    const remote = closeOf(server);
    const local = closeOf(client);
    client.close(reason, 'because');
    const expected: [number, string] = [CLOSE_CODES[reason], `${reason}: because`];
    expect(await remote).toEqual(expected);
    expect(await local).toEqual(expected);
    expect(reasonForCloseCode((await remote)[0])).toBe(reason);
  });

  it('a ping after the peer\'s close frame, before the socket has closed, is ConnectionClosedError, not a send failure', async () => {
    const { server, raw, socket } = await rawPair();
    server.on('message', () => undefined); // reading, so the close frame is read
    raw.close(1001, 'shutdown');
    // The peer reads nothing more: the closing handshake stays open on our side (ws CLOSING).
    socket.pause();
    await waitFor(() => !server.isOpen, 'the close frame read');
    expect(server.resources().socketListeners).toBe(4); // not closed yet: only closing
    expect(await rejection(server.ping())).toBeInstanceOf(ConnectionClosedError);
  });

  it('closes once, rejects what is pending, and leaves no listener or timer behind', async () => {
    const clock = new ManualClock();
    const { server, socket } = await rawPair({ clock, highWaterMark: Infinity }, { autoPong: false });
    server.on('message', () => undefined);
    let closes = 0;
    server.on('close', () => closes++);
    socket.pause();
    const sends = Array.from({ length: 4 }, () => server.send(big(8 * 1024 * 1024)).catch((e: unknown) => e));
    const ping = rejection(server.ping());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.resources().socketListeners).toBe(4);
    expect(server.resources().timers).toBeGreaterThan(0);
    const closed = closeOf(server);
    server.close('shutdown');
    server.close('removed'); // idempotent: the first reason stands
    expect(server.isOpen).toBe(false);
    expect(await rejection(server.send(vote))).toBeInstanceOf(ConnectionClosedError);
    server.terminate();
    expect(await closed).toEqual([1001, 'shutdown']);
    expect(await ping).toBeInstanceOf(ConnectionClosedError);
    expect((await Promise.all(sends)).at(-1)).toBeInstanceOf(ConnectionClosedError);
    expect(server.resources()).toEqual({ timers: 0, socketListeners: 0 });
    expect(clock.pending).toBe(0);
    server.terminate();
    server.close('stale');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toBe(1);
  });

  it('reports a close by the peer with the peer\'s code and text', async () => {
    const { server, raw } = await rawPair();
    server.on('message', () => undefined);
    const closed = closeOf(server);
    raw.close(4321, 'going away for a while');
    expect(await closed).toEqual([4321, 'going away for a while']);
    expect(reasonForCloseCode(4321)).toBe('closed-by-peer');
    expect(server.resources()).toEqual({ timers: 0, socketListeners: 0 });
  });

  it('survives a socket reset: error handled, close emitted', async () => {
    const { server, socket } = await rawPair();
    server.on('message', () => undefined);
    const closed = closeOf(server);
    socket.resetAndDestroy();
    expect((await closed)[0]).toBe(1006);
    expect(await rejection(server.ping())).toBeInstanceOf(ConnectionClosedError);
  });
});

describe('close codes', () => {
  it('maps every reason to a distinct code and back', () => {
    const codes = Object.values(CLOSE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [reason, code] of Object.entries(CLOSE_CODES)) expect(reasonForCloseCode(code)).toBe(reason);
    expect(reasonForCloseCode(1006)).toBe('closed-by-peer');
  });

  it('cuts the close text to 123 bytes without splitting a character', () => {
    expect(closeReasonText('stale')).toBe('stale');
    expect(closeReasonText('stale', 'no pong')).toBe('stale: no pong');
    const long = closeReasonText('protocol-error', 'é'.repeat(200));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123);
    expect(Buffer.byteLength(long)).toBeGreaterThanOrEqual(122);
    expect(long.endsWith('é')).toBe(true);
    expect(Buffer.byteLength(closeReasonText('slow', '😀'.repeat(60)))).toBe(122);
  });
});
