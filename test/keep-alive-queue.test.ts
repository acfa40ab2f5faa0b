/**
 * The unified manager's keep-alive schedule: one timer, each peer on the cadence a timer of its
 * own would give it. Driven by the ManualClock the managers' tests use.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/contract/clock.js';
import { KeepAliveQueue, type KeepAliveItem } from '../unified/keep-alive-queue.js';

const INTERVAL = 1000;

interface Peer extends KeepAliveItem {
  readonly name: string;
}

function setUp(onPing: (peer: Peer, queue: KeepAliveQueue<Peer>) => void = () => undefined) {
  const clock = new ManualClock(0);
  const pings: string[] = [];
  const queue: KeepAliveQueue<Peer> = new KeepAliveQueue<Peer>(clock, INTERVAL, (peer) => {
    pings.push(`${peer.name}@${clock.now()}`);
    onPing(peer, queue);
  });
  const peer = (name: string): Peer => ({ name, keepAliveDue: 0, keepAlivePos: -1 });
  return { clock, queue, pings, peer };
}

describe('KeepAliveQueue', () => {
  it('pings each peer one interval after it joined and every interval after, on one timer', () => {
    const { clock, queue, pings, peer } = setUp();
    queue.add(peer('a'));
    clock.advance(300);
    queue.add(peer('b'));
    clock.advance(400);
    queue.add(peer('c'));
    expect(clock.pending).toBe(1);
    expect(queue.timers).toBe(1);
    clock.advance(2300);
    expect(pings).toEqual(['a@1000', 'b@1300', 'c@1700', 'a@2000', 'b@2300', 'c@2700', 'a@3000']);
    expect(clock.pending).toBe(1);
  });

  it('a removed peer is not pinged again; the timer goes with the last peer', () => {
    const { clock, queue, pings, peer } = setUp();
    const a = peer('a');
    const b = peer('b');
    queue.add(a);
    clock.advance(500);
    queue.add(b);
    clock.advance(1000);
    queue.delete(a);
    queue.delete(a);
    clock.advance(2000);
    expect(pings).toEqual(['a@1000', 'b@1500', 'b@2500', 'b@3500']);
    queue.delete(b);
    expect(clock.pending).toBe(0);
    expect(queue.timers).toBe(0);
    clock.advance(5000);
    expect(pings).toHaveLength(4);
  });

  it('keeps every remaining peer on its cadence across many removals (compaction)', () => {
    const { clock, queue, pings, peer } = setUp();
    const peers = Array.from({ length: 50 }, (_, i) => peer(`p${i}`));
    for (const p of peers) {
      queue.add(p);
      clock.advance(10);
    }
    // 45 of 50 go: the holes outnumber the peers four to one, so the queue compacts.
    for (const p of peers.filter((_, i) => i % 10 !== 0)) queue.delete(p);
    pings.length = 0;
    clock.advance(INTERVAL);
    expect(pings).toEqual(['p0@1000', 'p10@1100', 'p20@1200', 'p30@1300', 'p40@1400']);
    const next = [...pings];
    pings.length = 0;
    clock.advance(INTERVAL);
    expect(pings).toEqual(next.map((p) => p.replace(/@(\d+)/, (_, t: string) => `@${Number(t) + INTERVAL}`)));
  });

  it('a ping that removes a peer due in the same round: that peer is not pinged', () => {
    const victims = new Map<string, Peer>();
    const { clock, queue, pings, peer } = setUp((p, q) => {
      const victim = victims.get(p.name);
      if (victim) q.delete(victim);
    });
    const a = peer('a');
    const b = peer('b');
    victims.set('a', b);
    queue.add(a);
    queue.add(b);
    clock.advance(INTERVAL);
    expect(pings).toEqual(['a@1000']);
    clock.advance(INTERVAL);
    expect(pings).toEqual(['a@1000', 'a@2000']);
  });

  it('clear() drops the timer and every peer; a later delete of one is a no-op', () => {
    const { clock, queue, pings, peer } = setUp();
    const a = peer('a');
    queue.add(a);
    queue.add(peer('b'));
    queue.clear();
    expect(clock.pending).toBe(0);
    queue.delete(a);
    clock.advance(3 * INTERVAL);
    expect(pings).toEqual([]);
    queue.add(a);
    clock.advance(INTERVAL);
    expect(pings).toEqual(['a@4000']);
  });
});
