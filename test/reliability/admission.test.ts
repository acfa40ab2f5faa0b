/**
 * Limits and admission over real sockets: maxPeers with the outbound cap, the allow and deny
 * lists, the per-IP rate and the pending-handshake cap, each refusal made with its reason (the
 * close code the peer reads) and counted. Addresses: 127.0.50.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { CLOSE_CODES } from '../../src/transport/close-codes.js';
import { ConfigError, PeerDeniedError, PeerLimitError } from '../../src/contract/errors.js';
import { IpFilter } from '../../src/limits/ip-filter.js';
import { RateLimiter } from '../../src/limits/rate-limiter.js';
import { spawnPeer, stopAllPeers, type RemotePeer } from '../helpers/remote-peer.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { startGuardedNode, type GuardedNode } from './helpers/guarded-node.js';
import { rawPeer } from './helpers/raw-peer.js';

const ip = (n: number) => `127.0.50.${n}`;
let node: GuardedNode | undefined;
const sockets: { ws: { terminate(): void } }[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await node?.close();
  node = undefined;
  await stopAllPeers();
});

const peer = (n: number): Promise<RemotePeer> => spawnPeer({ host: ip(n), network: TEST_NETWORK, nodeId: `adm-${n}` });

describe('IpFilter and RateLimiter', () => {
  it('deny wins over allow; CIDRs in IPv4, IPv6 and IPv4-mapped form', () => {
    const f = new IpFilter({ allow: ['10.0.0.0/8', '::ffff:192.168.0.0/112', '2001:db8::/32'], deny: ['10.1.0.0/16'] });
    expect(f.verdict('10.2.3.4')).toBe('allowed');
    expect(f.verdict('10.1.3.4')).toBe('denied');
    expect(f.verdict('::ffff:10.1.0.9')).toBe('denied');
    expect(f.verdict('192.168.7.7')).toBe('allowed');
    expect(f.verdict('2001:db8::1')).toBe('allowed');
    expect(f.verdict('11.0.0.1')).toBe('neutral');
    expect(new IpFilter().verdict('10.1.0.1')).toBe('neutral');
  });

  it('refuses a list entry that is not a CIDR, naming the field and index', () => {
    expect(() => new IpFilter({ deny: ['10.0.0.0/8', '10.0.0.0/33'] }, 'limits')).toThrow(ConfigError);
    expect(() => new IpFilter({ deny: ['10.0.0.0/8', 'nope'] }, 'limits')).toThrow(/limits\.deny\[1\]/);
  });

  it('allows the rate per second per key, refills with the clock, keeps the map bounded', () => {
    const clock = new ManualClock();
    const r = new RateLimiter({ clock, perSecond: 5, maxKeys: 100 });
    const taken = Array.from({ length: 8 }, () => r.take('a'));
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
    expect(r.take('b')).toBe(true);
    clock.advance(200);
    expect([r.take('a'), r.take('a')]).toEqual([true, false]);
    for (let i = 0; i < 1000; i++) r.take(`k${i}`);
    expect(r.size).toBeLessThanOrEqual(100);
  });
});

describe('maxPeers and the outbound cap', () => {
  it('refuses the outbound dial past the cap without dialling, and the inbound peer past maxPeers with 4004', async () => {
    // maxPeers 3, outbound share 1/3: one outbound slot; inbound always has the other two.
    node = await startGuardedNode({ host: ip(1), limits: { maxPeers: 3, outboundShare: 1 / 3 } });
    const [a, b, c, d, e] = await Promise.all([peer(2), peer(3), peer(4), peer(5), peer(6)]);
    await node.pool.connectToPeer(a!.address);
    await expect(node.pool.connectToPeer(b!.address)).rejects.toBeInstanceOf(PeerLimitError);
    expect((await b!.stats()).connections).toBe(0); // refused before the dial: B never saw us

    await c!.dial(node.address);
    await d!.dial(node.address);
    await waitFor(() => node!.pool.connections.size === 3, 'three peers held');
    const refused = await e!.dial(node.address).then(() => 'accepted', (err: Error) => err.message);
    expect(refused).toContain(String(CLOSE_CODES['too-many-peers']));
    expect(refused).toContain('too-many-peers');
    expect(node.pool.connections.size).toBe(3);
    expect(node.pool.getPoolStats().refused).toEqual({ 'too-many-peers': 2 });
    expect(node.listener.refusals()).toEqual({ refused: 1 });
    expect(node.listener.stats()).toMatchObject({ accepted: 2, refused: 1 });
  });

  it('an allowed peer passes the limits; a denied one is refused 4007 banned before its handshake', async () => {
    node = await startGuardedNode({ host: ip(1), limits: { maxPeers: 1, allow: [`${ip(8)}/32`, '127.0.50.0/28'], deny: ['127.0.50.0/29'] } });
    const [a, allowed, denied] = await Promise.all([peer(10), peer(8), peer(4)]);
    await a!.dial(node.address);
    await waitFor(() => node!.pool.connections.size === 1, 'first peer held');
    await allowed!.dial(node.address);
    await waitFor(() => node!.pool.connections.size === 2, 'the allowed peer is held past maxPeers');
    // 127.0.50.4 is in the allowed /28 and in the denied /29: deny wins.
    const why = await denied!.dial(node.address).then(() => 'accepted', (err: Error) => err.message);
    expect(why).toContain(String(CLOSE_CODES.banned));
    expect(node.listener.refusals()).toEqual({ denied: 1 });
    await expect(node.pool.connectToPeer(denied!.address)).rejects.toBeInstanceOf(PeerDeniedError);
    expect(node.pool.getPoolStats().refused).toEqual({ banned: 1 });
  });
});

describe('the listener: per-IP rate and pending handshakes', () => {
  it('refuses the sixth new connection in a second from one IP with too-many-peers: rate-limited', async () => {
    const listenerClock = new ManualClock();
    node = await startGuardedNode({ host: ip(1), listenerClock, listener: { connectionsPerIpPerSecond: 5 }, limits: { allow: [ip(21)] } });
    const first = await Promise.all(Array.from({ length: 5 }, () => rawPeer(ip(20), node!.address, { hello: true })));
    sockets.push(...first);
    expect(await Promise.all(first.map((p) => p.answered))).toEqual([true, true, true, true, true]);
    const sixth = await rawPeer(ip(20), node.address, { hello: true });
    sockets.push(sixth);
    expect(await sixth.closed).toEqual([CLOSE_CODES['too-many-peers'], 'too-many-peers: rate-limited']);
    // Another IP, and an allowed IP past its own rate, are not affected.
    const other = await rawPeer(ip(22), node.address, { hello: true });
    const allowed = await Promise.all(Array.from({ length: 7 }, () => rawPeer(ip(21), node!.address, { hello: true })));
    sockets.push(other, ...allowed);
    expect(await other.answered).toBe(true);
    expect((await Promise.all(allowed.map((p) => p.answered))).every(Boolean)).toBe(true);
    listenerClock.advance(1000);
    const later = await rawPeer(ip(20), node.address, { hello: true });
    sockets.push(later);
    expect(await later.answered).toBe(true);
    expect(node.listener.refusals()).toEqual({ 'rate-limited': 1 });
  });

  it('caps handshakes in progress; the silent ones time out (1008) on the listener clock', async () => {
    const listenerClock = new ManualClock();
    node = await startGuardedNode({ host: ip(1), listenerClock, handshakeTimeoutMs: 5000, listener: { maxPendingHandshakes: 2 } });
    const silent = await Promise.all([rawPeer(ip(30), node.address), rawPeer(ip(31), node.address)]);
    sockets.push(...silent);
    await waitFor(() => node!.listener.stats().pendingHandshakes === 2, 'two handshakes pending');
    const third = await rawPeer(ip(32), node.address, { hello: true });
    sockets.push(third);
    expect(await third.closed).toEqual([CLOSE_CODES['too-many-peers'], 'too-many-peers: handshake-cap']);
    listenerClock.advance(5001);
    expect(await Promise.all(silent.map((p) => p.closed))).toEqual([
      [1008, 'handshake: timeout'],
      [1008, 'handshake: timeout'],
    ]);
    expect(node.listener.refusals()).toEqual({ 'handshake-cap': 1, timeout: 2 });
    const now = await rawPeer(ip(32), node.address, { hello: true });
    sockets.push(now);
    expect(await now.answered).toBe(true);
  });
});
