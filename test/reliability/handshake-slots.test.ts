/**
 * Handshake slots under a slow-Hello attack: sources that open sockets at exactly the per-IP rate
 * and never say Hello. Without a bound per source, four IPs fill the global cap of 64 in four
 * seconds (before their first handshake times out) and every honest newcomer is refused
 * `handshake-cap`; with 8 per IP and 16 per /24, three of them in one /24 and one in another hold
 * 16 + 8 slots and the newcomer is answered.
 * The listener's clock is a ManualClock: the per-IP rate (5 a second) refills only when the test
 * moves it, and no handshake times out. Addresses: 127.0.56.x and 127.0.57.x (attackers), 127.0.55.200 (newcomer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { LIMIT_DEFAULTS } from '../../src/limits/limit-defaults.js';
import { subnetOf } from '../../src/limits/subnet.js';
import { CLOSE_CODES } from '../../src/transport/close-codes.js';
import { startGuardedNode, type GuardedNode } from './helpers/guarded-node.js';
import { rawPeer, type RawPeer } from './helpers/raw-peer.js';

const ATTACKERS = ['127.0.56.1', '127.0.56.2', '127.0.56.3', '127.0.57.1'];
const NEWCOMER = '127.0.55.200';
const RATE = LIMIT_DEFAULTS.connectionsPerIpPerSecond;

let node: GuardedNode | undefined;
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await node?.close();
  node = undefined;
});

/** Opens `n` sockets from `ip` that never say Hello; resolves once each is pending or refused. */
async function silent(ip: string, n: number): Promise<RawPeer[]> {
  const opened = await Promise.all(Array.from({ length: n }, () => rawPeer(ip, node!.address)));
  peers.push(...opened);
  return opened;
}

/** The close each refused socket got, by close text; the sockets still open are `pending`. */
async function outcomes(list: RawPeer[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const p of list) {
    const key = p.ws.readyState === p.ws.OPEN ? 'pending' : (await p.closed).join(' ');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('pending handshakes per IP and per subnet', () => {
  it('the subnet key is the IPv4 /24 (mapped or not) and the IPv6 /64', () => {
    expect(subnetOf('127.0.56.3')).toBe('127.0.56.0/24');
    expect(subnetOf('::ffff:127.0.56.3')).toBe('127.0.56.0/24');
    expect(subnetOf('2001:db8:1:2:3::4')).toBe('2001:db8:1:2::/64');
    expect(subnetOf('not-an-ip')).toBe('not-an-ip');
  });

  it('four IPs at exactly the per-IP rate, never saying Hello, do not take the cap: an honest newcomer is answered', async () => {
    const clock = new ManualClock();
    node = await startGuardedNode({ host: '127.0.57.100', listenerClock: clock });
    const opened: Record<string, RawPeer[]> = Object.fromEntries(ATTACKERS.map((ip) => [ip, []]));
    // 4 rounds of RATE sockets per IP, a second apart: 80 sockets, none over the rate, none timed out.
    for (let round = 0; round < 4; round++) {
      for (const ip of ATTACKERS) opened[ip]!.push(...(await silent(ip, RATE)));
      clock.advance(1000);
    }
    expect(node.listener.refusals()['rate-limited']).toBeUndefined();

    const newcomer = await rawPeer(NEWCOMER, node.address, { hello: true });
    peers.push(newcomer);
    expect(await newcomer.answered).toBe(true);

    const ipCap = [CLOSE_CODES['too-many-peers'], 'too-many-peers: handshake-cap-ip'].join(' ');
    const subnetCap = [CLOSE_CODES['too-many-peers'], 'too-many-peers: handshake-cap-subnet'].join(' ');
    // The /24 127.0.56.0 fills its 16 slots in the order its sockets came (5, 5, 5, then one
    // more for .1 in the second round); 127.0.57.1, alone in its /24, stops at its own 8.
    expect(await outcomes(opened['127.0.56.1']!)).toEqual({ pending: 6, [subnetCap]: 14 });
    expect(await outcomes(opened['127.0.56.2']!)).toEqual({ pending: 5, [subnetCap]: 15 });
    expect(await outcomes(opened['127.0.56.3']!)).toEqual({ pending: 5, [subnetCap]: 15 });
    expect(await outcomes(opened['127.0.57.1']!)).toEqual({ pending: 8, [ipCap]: 12 });
    expect(node.listener.stats().pendingHandshakes).toBe(24);
    expect(node.listener.refusals()).toEqual({ 'handshake-cap-ip': 12, 'handshake-cap-subnet': 44 });
  });

  it('a slot is given back when its handshake ends: after the timeouts the same IP is admitted again', async () => {
    const clock = new ManualClock();
    node = await startGuardedNode({ host: '127.0.57.100', listenerClock: clock, handshakeTimeoutMs: 5000, listener: { connectionsPerIpPerSecond: 100 } });
    const first = await silent('127.0.56.1', LIMIT_DEFAULTS.maxPendingHandshakesPerIp);
    const over = await rawPeer('127.0.56.1', node.address, { hello: true });
    peers.push(over);
    expect(await over.closed).toEqual([CLOSE_CODES['too-many-peers'], 'too-many-peers: handshake-cap-ip']);
    clock.advance(5000);
    expect((await Promise.all(first.map((p) => p.closed))).every(([code]) => code === 1008)).toBe(true);
    expect(node.listener.stats().pendingHandshakes).toBe(0);
    const again = await rawPeer('127.0.56.1', node.address, { hello: true });
    peers.push(again);
    expect(await again.answered).toBe(true);
  });
});
