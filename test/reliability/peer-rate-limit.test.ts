/**
 * The per-peer rate limit, enforced where frames are received (PeerConnection), so both managers
 * and every pool mode get it identically: frames over a peer's budget are dropped and counted, a
 * peer that stays over it is closed 4009 `rate-exceeded` and reported so by the managers, while
 * an honest peer on the same node loses nothing. Addresses: 127.0.87.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../../src/contract/clock.js';
import type { NodeIdentity } from '../../src/contract/connection.js';
import { ConfigError } from '../../src/contract/errors.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { DisconnectReason } from '../../src/contract/types.js';
import type { PoolMode } from '../../src/dual/modes.js';
import { LIMIT_DEFAULTS } from '../../src/limits/limit-defaults.js';
import { resolvePeerRateLimit, type PeerRateLimitOptions } from '../../src/limits/peer-rate-limit.js';
import { CLOSE_CODES, reasonForCloseCode } from '../../src/transport/close-codes.js';
import { createDialer } from '../../src/transport/dialer.js';
import type { PeerConnection, PeerConnectionOptions } from '../../src/transport/peer-connection.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import { startDualNode } from '../dual/helpers/dual-node.js';
import { spawnPeer, stopAllPeers } from '../helpers/remote-peer.js';
import { MANAGER_KINDS, startNode, TEST_NETWORK } from '../helpers/test-node.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { captureLogs } from '../helpers/log-capture.js';
import { rawPeer, type RawPeer } from './helpers/raw-peer.js';

const ip = (n: number) => `127.0.87.${n}`;
const serverId: NodeIdentity = { network: 'main', nodeId: 'srv', version: '1.0.0', listenPort: 0 };
const clientId: NodeIdentity = { network: 'main', nodeId: 'cli', version: '1.0.0', listenPort: 9 };

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await stopAllPeers();
});

const vote = (i: number): NetworkMessage => ({ type: 'BlockVote', height: i, hash: 'h', voter: 'v', approve: true });

/** A valid frame (a Custom message) of exactly `bytes` bytes. */
function frameOf(bytes: number): string {
  const empty = JSON.stringify({ type: 'Custom', kind: 'b', data: '' });
  return JSON.stringify({ type: 'Custom', kind: 'b', data: 'x'.repeat(bytes - Buffer.byteLength(empty)) });
}

/** Two PeerConnections over loopback, the server's on `server` options; what it delivers is counted. */
async function pair(server: PeerConnectionOptions, host: number): Promise<{ server: PeerConnection; client: PeerConnection; delivered: NetworkMessage[] }> {
  const listener = new PeerListener({ host: ip(host), port: 0, identity: serverId, connection: server });
  const accepted = new Promise<PeerConnection>((resolve) => listener.once('peer', resolve));
  const { port } = await listener.listen();
  cleanup.push(() => listener.close());
  const dial = createDialer({ identity: clientId, localAddress: ip(host + 1) });
  const [{ connection: client }, conn] = await Promise.all([dial({ host: ip(host), port }), accepted]);
  cleanup.push(() => client.terminate(), () => conn.terminate());
  const delivered: NetworkMessage[] = [];
  conn.on('message', (m) => delivered.push(m));
  // The client reads too (pings, our close frame): a PeerConnection reads once subscribed.
  client.on('message', () => undefined);
  return { server: conn, client, delivered };
}

/** Sends `frames` and waits until the server has delivered or dropped every one of them. */
async function settle(p: { server: PeerConnection; client: PeerConnection; delivered: NetworkMessage[] }, frames: string[]): Promise<void> {
  const target = p.delivered.length + p.server.framesDropped + frames.length;
  await Promise.all(frames.map((f) => p.client.sendEncoded(f)));
  await waitFor(() => p.delivered.length + p.server.framesDropped === target, `${frames.length} frames delivered or dropped`);
}

const votes = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => JSON.stringify(vote(from + i)));

describe('the token buckets, on the connection\'s clock (a ManualClock; the sockets are real)', () => {
  it('refill exactly: frames a second, capped at the burst', async () => {
    const clock = new ManualClock();
    const p = await pair({ clock, rateLimit: { messagesPerSecond: 10, messageBurst: 5, bytesPerSecond: Infinity, disconnectAfterMs: Infinity } }, 60);
    await settle(p, votes(8)); // the bucket starts full: 5 pass
    expect([p.delivered.length, p.server.framesDropped]).toEqual([5, 3]);
    clock.advance(99); // 0.99 of a frame
    await settle(p, votes(1, 8));
    expect([p.delivered.length, p.server.framesDropped]).toEqual([5, 4]);
    clock.advance(1); // exactly one
    await settle(p, votes(2, 9));
    expect([p.delivered.length, p.server.framesDropped]).toEqual([6, 5]);
    clock.advance(10_000); // 100 frames' worth, capped at the burst of 5
    await settle(p, votes(7, 11));
    expect([p.delivered.length, p.server.framesDropped]).toEqual([11, 7]);
    // Delivered in order, the dropped ones missing: 0-4, 9 (the refilled one; 10 dropped), 11-15.
    expect(p.delivered.map((m) => (m as { height: number }).height)).toEqual([0, 1, 2, 3, 4, 9, 11, 12, 13, 14, 15]);
    expect(p.server.isOpen).toBe(true); // disconnectAfterMs: Infinity drops, never disconnects
  });

  it('refill exactly: bytes a second; a frame larger than the burst passes only from a full bucket, leaving it in debt', async () => {
    const clock = new ManualClock();
    const p = await pair({ clock, rateLimit: { messagesPerSecond: Infinity, bytesPerSecond: 1000, byteBurst: 2000, disconnectAfterMs: Infinity } }, 62);
    const f500 = frameOf(500);
    expect(Buffer.byteLength(f500)).toBe(500);
    await settle(p, [f500, f500, f500, f500, f500]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([4, 1]);
    clock.advance(499); // 499 bytes: not enough
    await settle(p, [f500]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([4, 2]);
    clock.advance(1);
    await settle(p, [f500, f500]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([5, 3]);
    clock.advance(1999); // one byte short of full: a 3000-byte frame is refused
    await settle(p, [frameOf(3000)]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([5, 4]);
    clock.advance(1); // full: it passes, 1000 in debt
    await settle(p, [frameOf(3000)]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([6, 4]);
    clock.advance(1499); // -1000 + 1499 = 499
    await settle(p, [f500]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([6, 5]);
    clock.advance(1);
    await settle(p, [f500]);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([7, 5]);
  });

  it('a peer over its budget past disconnectAfterMs is closed 4009 rate-exceeded; a quiet second starts the count again', async () => {
    const clock = new ManualClock();
    // A token every 10 s: after the first frame, every frame of this test is dropped.
    const p = await pair({ clock, rateLimit: { messagesPerSecond: 0.1, messageBurst: 1, bytesPerSecond: Infinity, disconnectAfterMs: 2000 } }, 64);
    const closed = new Promise<[number, string]>((resolve) => p.client.on('close', (code, reason) => resolve([code, reason])));
    await settle(p, votes(3)); // 1 delivered, 2 dropped at t=0: over budget since 0
    clock.advance(999);
    await settle(p, votes(1, 3)); // dropped at 999: the same run
    clock.advance(1000); // a full second after the last drop: that run is over
    await settle(p, votes(1, 4)); // dropped at 1999: a new run (without the reset, 1999 ms old)
    for (let t = 0; t < 2; t++) {
      clock.advance(999);
      await settle(p, votes(1, 10 + t)); // dropped at 2998, 3997: the run is 1998 ms old (the first would be 3997)
    }
    expect(p.server.isOpen).toBe(true);
    expect([p.delivered.length, p.server.framesDropped]).toEqual([1, 6]);
    clock.advance(2); // 3999: this drop finds the run 2000 ms old
    await p.client.sendEncoded(JSON.stringify(vote(20)));
    const [code, reason] = await closed;
    expect(code).toBe(4009);
    expect(reasonForCloseCode(code)).toBe('rate-exceeded');
    expect(reason).toBe('rate-exceeded: 7 frames dropped over 2000 ms');
    expect(p.server.droppedFor).toBe('rate-exceeded');
    expect(p.delivered).toHaveLength(1);
    await waitFor(() => p.server.resources().timers === 0 && p.server.resources().socketListeners === 0, 'the server side closed, nothing left');
  });

  it('the disconnect is logged with the time over budget in whole ms (the system clock reads fractions)', async () => {
    const clock = new ManualClock();
    const log = captureLogs();
    const p = await pair({ clock, logger: log.logger, rateLimit: { messagesPerSecond: 0.1, messageBurst: 1, bytesPerSecond: Infinity, disconnectAfterMs: 2000 } }, 72);
    const closed = new Promise<number>((resolve) => p.client.on('close', (code) => resolve(code)));
    clock.advance(0.4);
    await settle(p, votes(2)); // 1 delivered, 1 dropped at 0.4: over budget since
    for (let i = 0; i < 2; i++) {
      clock.advance(999.3);
      await settle(p, votes(1, 10 + i)); // dropped at 999.7, 1999: the same run
    }
    clock.advance(1.75); // 2000.75: this drop finds the run 2000.35 ms old
    await p.client.sendEncoded(JSON.stringify(vote(20)));
    expect(await closed).toBe(4009);
    expect(log.find(/peer over its rate limit: disconnecting/)).toMatchObject({ level: 40, overMs: 2000 });
  });

  it('pongs are never counted: keep-alive works while every frame is being dropped', async () => {
    const clock = new ManualClock();
    const p = await pair({ clock, rateLimit: { messagesPerSecond: 1, messageBurst: 1, bytesPerSecond: Infinity, disconnectAfterMs: Infinity } }, 66);
    await settle(p, votes(50));
    expect(p.server.framesDropped).toBe(49);
    const rtts = await Promise.all([p.server.ping(), p.server.ping(), p.server.ping()]);
    expect(rtts).toHaveLength(3);
    await settle(p, votes(5, 50));
    expect(p.server.framesDropped).toBe(54);
  });

  it('Infinity turns a rate off, `false` the whole limit: nothing is dropped', async () => {
    const clock = new ManualClock();
    const off = await pair({ clock, rateLimit: { messagesPerSecond: Infinity, bytesPerSecond: Infinity, messageBurst: 1, byteBurst: 1, disconnectAfterMs: 0 } }, 68);
    await settle(off, votes(3000));
    expect([off.delivered.length, off.server.framesDropped]).toEqual([3000, 0]);
    const none = await pair({ clock, rateLimit: false }, 70);
    await settle(none, votes(3000));
    expect([none.delivered.length, none.server.framesDropped]).toEqual([3000, 0]);
  });
});

describe('invalid rate limits are refused with ConfigError, naming the field', () => {
  const cases: [string, PeerRateLimitOptions, string][] = [
    ['a rate of 0 (use Infinity to turn it off)', { messagesPerSecond: 0 }, 'connection.rateLimit.messagesPerSecond'],
    ['a negative byte rate', { bytesPerSecond: -1 }, 'connection.rateLimit.bytesPerSecond'],
    ['a NaN rate', { messagesPerSecond: Number.NaN }, 'connection.rateLimit.messagesPerSecond'],
    ['a rate given as a string', { bytesPerSecond: '1000' as never }, 'connection.rateLimit.bytesPerSecond'],
    ['a burst under one frame', { messageBurst: 0.5 }, 'connection.rateLimit.messageBurst'],
    ['an infinite burst', { byteBurst: Infinity }, 'connection.rateLimit.byteBurst'],
    ['a negative disconnect delay', { disconnectAfterMs: -1 }, 'connection.rateLimit.disconnectAfterMs'],
  ];
  it.each(cases)('%s', (_what, rateLimit, field) => {
    // The listener too: a bad limit found only as connections are made refused every peer silently.
    const listen = () => new PeerListener({ host: '127.0.87.250', port: 0, identity: clientId, connection: { rateLimit } });
    for (const make of [() => resolvePeerRateLimit(rateLimit), () => createDialer({ identity: clientId, connection: { rateLimit } }), listen]) {
      let error: unknown;
      try {
        make();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });

  it('not an object', () => {
    expect(() => resolvePeerRateLimit(null as never)).toThrow(ConfigError);
  });

  it('the defaults resolve, and are what LIMIT_DEFAULTS says', () => {
    expect(resolvePeerRateLimit()).toEqual({
      messagesPerSecond: LIMIT_DEFAULTS.peerMessagesPerSecond,
      messageBurst: LIMIT_DEFAULTS.peerMessageBurst,
      bytesPerSecond: LIMIT_DEFAULTS.peerBytesPerSecond,
      byteBurst: LIMIT_DEFAULTS.peerByteBurst,
      disconnectAfterMs: LIMIT_DEFAULTS.peerRateDisconnectAfterMs,
    });
    expect(CLOSE_CODES['rate-exceeded']).toBe(4009);
  });
});

/** Sends `frame` as fast as ws takes it until the socket closes or `maxMs` passes; returns how many were sent. */
async function flood(p: RawPeer, frame: string, maxMs: number): Promise<number> {
  let sent = 0;
  const end = Date.now() + maxMs;
  while (p.ws.readyState === WebSocket.OPEN && Date.now() < end) {
    for (let i = 0; i < 100; i++) p.ws.send(frame);
    sent += 100;
    await new Promise((resolve) => setImmediate(resolve));
    while (p.ws.bufferedAmount > 256 * 1024 && p.ws.readyState === WebSocket.OPEN && Date.now() < end) await sleep(1);
  }
  return sent;
}

/** What a node's pool reported, by peer key. */
function recorder(pool: { on(event: 'message' | 'peer:disconnected', fn: (e: never) => void): unknown }) {
  const messages = new Map<string, NetworkMessage[]>();
  const disconnects: [string, DisconnectReason][] = [];
  pool.on('message', (e: { key: string; message: NetworkMessage }) => {
    const list = messages.get(e.key) ?? [];
    list.push(e.message);
    messages.set(e.key, list);
  });
  pool.on('peer:disconnected', (e: { key: string; reason: DisconnectReason }) => void disconnects.push([e.key, e.reason]));
  return { messages, disconnects };
}

const LIMIT = { messagesPerSecond: 200, messageBurst: 100, bytesPerSecond: Infinity, disconnectAfterMs: 1000 };
const HONEST = 40;

describe.each(MANAGER_KINDS.map((kind, i) => ({ kind, block: 10 + 10 * i })))('a flooding peer over real sockets: $kind', ({ kind, block }) => {
  it('has frames dropped, then is disconnected rate-exceeded, while an honest peer on the same node delivers and receives everything', async () => {
    const node = await startNode({ kind, host: ip(block), connection: { rateLimit: LIMIT } });
    cleanup.push(() => node.close());
    const seen = recorder(node.pool as never);
    const honest = await spawnPeer({ host: ip(block + 1), network: TEST_NETWORK, nodeId: `honest-${kind}` });
    await honest.dial(node.address);
    const flooder = await rawPeer(ip(block + 2), node.address, { hello: true, nodeId: `flooder-${kind}` });
    cleanup.push(() => flooder.ws.terminate());
    expect(await flooder.answered).toBe(true);
    await waitFor(async () => (await node.pool.getConnectedPeers()).length === 2, 'both peers held');

    const started = Date.now();
    const flooding = flood(flooder, JSON.stringify(vote(1)), 4000);
    // The honest peer talks at 50 frames a second meanwhile: well within its own budget.
    for (let i = 0; i < HONEST; i++) {
      await honest.send({ type: 'Custom', kind: 'honest', data: i });
      await sleep(20);
    }
    const closed = await Promise.race([flooder.closed, sleep(5000).then(() => undefined)]);
    const sent = await flooding;
    const elapsedS = (Date.now() - started) / 1000;

    expect(closed?.[0]).toBe(4009);
    expect(closed?.[1]).toMatch(/^rate-exceeded: \d+ frames dropped over \d+ ms$/);
    await waitFor(() => seen.disconnects.length > 0, 'the flooder reported gone');
    expect(seen.disconnects).toEqual([[ip(block + 2), 'rate-exceeded']]);
    expect(node.pool.getPoolStats().disconnects).toMatchObject({ 'rate-exceeded': 1 });
    // Dropped, not delivered: no more than the burst and the rate over the time it flooded.
    const delivered = seen.messages.get(ip(block + 2))?.length ?? 0;
    expect(delivered).toBeGreaterThanOrEqual(LIMIT.messageBurst);
    expect(delivered).toBeLessThanOrEqual(LIMIT.messageBurst + LIMIT.messagesPerSecond * elapsedS + 1);
    expect(sent).toBeGreaterThan(delivered + 500);

    // The honest peer lost nothing, either way.
    await waitFor(() => (seen.messages.get(ip(block + 1))?.length ?? 0) === HONEST, 'every honest frame delivered');
    expect(seen.messages.get(ip(block + 1))!.map((m) => (m as { data: number }).data)).toEqual(Array.from({ length: HONEST }, (_, i) => i));
    for (let i = 1; i <= 5; i++) await node.pool.sendToPeer(ip(block + 1), { type: 'Custom', kind: 'probe', data: i });
    await honest.waitForReceived(5, 3000);
    expect((await node.pool.getConnectedPeers()).map((p) => p.ip)).toEqual([ip(block + 1)]);
  }, 20_000);

  it('a burst of exactly the bucket is delivered whole, in order; the frames right after it are dropped', async () => {
    const node = await startNode({ kind, host: ip(block + 5), connection: { rateLimit: { messagesPerSecond: 1, messageBurst: 200, disconnectAfterMs: Infinity } } });
    cleanup.push(() => node.close());
    const seen = recorder(node.pool as never);
    const peer = await rawPeer(ip(block + 6), node.address, { hello: true, nodeId: `burst-${kind}` });
    cleanup.push(() => peer.ws.terminate());
    expect(await peer.answered).toBe(true);
    await waitFor(async () => (await node.pool.getConnectedPeers()).length === 1, 'peer held');
    const started = Date.now();
    for (let i = 0; i < 300; i++) peer.ws.send(JSON.stringify(vote(i)));
    const probe = { type: 'Custom', kind: 'probe', data: 0 };
    // One second later a token has come back: the probe passes, so everything before it was read.
    await sleep(1100);
    peer.ws.send(JSON.stringify(probe));
    await waitFor(() => seen.messages.get(ip(block + 6))?.at(-1)?.type === 'Custom', 'the probe delivered');
    const refilled = Math.floor((Date.now() - started) / 1000) + 1;
    const heights = seen.messages.get(ip(block + 6))!.filter((m) => m.type === 'BlockVote').map((m) => (m as { height: number }).height);
    expect(heights.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(heights.length).toBeLessThanOrEqual(200 + refilled);
    expect(seen.disconnects).toEqual([]);
  }, 10_000);
});

describe.each([
  { mode: 'shadow' as PoolMode, block: 30 },
  { mode: 'live' as PoolMode, block: 40 },
])('a flooding peer in a dual-mode pool: $mode', ({ mode, block }) => {
  it('both managers report rate-exceeded for the flooder; no event divergence', async () => {
    const dual = await startDualNode(ip(block), { mode, keepAliveIntervalMs: 60_000, staleAfterMs: 600_000 }, undefined, { rateLimit: LIMIT });
    cleanup.push(() => dual.close());
    const byManager = { legacy: recorder(dual.pool.manager('legacy') as never), unified: recorder(dual.pool.manager('unified') as never) };
    const flooder = await rawPeer(ip(block + 2), dual.address, { hello: true, nodeId: `flooder-${mode}` });
    cleanup.push(() => flooder.ws.terminate());
    expect(await flooder.answered).toBe(true);
    await waitFor(async () => (await dual.pool.getConnectedPeers()).length === 1, 'flooder held');
    const flooding = flood(flooder, JSON.stringify(vote(1)), 4000);
    const closed = await Promise.race([flooder.closed, sleep(5000).then(() => undefined)]);
    await flooding;
    expect(closed?.[0]).toBe(4009);
    await waitFor(() => byManager.legacy.disconnects.length > 0 && byManager.unified.disconnects.length > 0, 'both managers heard');
    expect(byManager.legacy.disconnects).toEqual([[ip(block + 2), 'rate-exceeded']]);
    expect(byManager.unified.disconnects).toEqual([[ip(block + 2), 'rate-exceeded']]);
    // Both saw the same frames: the drops happen below them, once, on the shared connection.
    expect(byManager.legacy.messages.get(ip(block + 2))?.length).toBe(byManager.unified.messages.get(ip(block + 2))?.length);
    dual.pool.checkNow();
    await sleep(50);
    dual.pool.checkNow();
    const divergences = dual.pool.verifier.stats().divergences;
    expect(divergences['event-mismatch']).toEqual({ known: 0, unexpected: 0 });
  }, 15_000);
});
