/**
 * Dialling: shared dials, bounds on parallel and queued dials, the per-dial timeout on the pool's
 * clock; and the duplicate-connection rule, as a property and over real sockets (127.0.51.x).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import type { DialResult } from '../../src/contract/connection.js';
import { DialQueueFullError, DialTimeoutError, PeerLimitError } from '../../src/contract/errors.js';
import type { PeerAddress, PeerInfo } from '../../src/contract/types.js';
import { duplicateWinner } from '../../unified/duplicate-rule.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { FakeConnection, peerInfo } from '../dual/helpers/fake-connection.js';
import { flushIo, sleep, waitFor } from '../helpers/wait.js';
import { startGuardedNode, type GuardedNode } from './helpers/guarded-node.js';

interface HeldDial {
  readonly address: PeerAddress;
  resolve(result: DialResult): void;
  reject(err: Error): void;
}

/** A dialer whose dials wait until the test answers them. */
function heldDialer() {
  const held: HeldDial[] = [];
  let running = 0;
  let maxRunning = 0;
  const dialer = (address: PeerAddress): Promise<DialResult> => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<DialResult>((resolve, reject) => held.push({ address, resolve, reject })).finally(() => running--);
  };
  const answer = (d: HeldDial): FakeConnection => {
    const connection = new FakeConnection(d.address.host, d.address.port);
    d.resolve({ connection, info: peerInfo(d.address.host, { direction: 'outbound', port: d.address.port }) });
    return connection;
  };
  return { dialer, held, answer, get maxRunning() { return maxRunning; } };
}

const identity = { network: 't', nodeId: 'me', version: '1', listenPort: 1 };

describe('the dial queue', () => {
  it('concurrent connectToPeer calls for one address share one dial', async () => {
    const d = heldDialer();
    const pool = new UnifiedPeerManager({ identity, dialer: d.dialer, clock: new ManualClock() });
    const calls = Array.from({ length: 5 }, () => pool.connectToPeer('10.0.0.1:9000'));
    await flushIo();
    expect(d.held).toHaveLength(1);
    d.answer(d.held[0]!);
    const infos = await Promise.all(calls);
    expect(new Set(infos).size).toBe(1);
    expect(pool.connections.size).toBe(1);
    await pool.close();
  });

  it('runs at most dialConcurrency dials, queues dialQueueLength, refuses the next with DialQueueFullError', async () => {
    const d = heldDialer();
    const pool = new UnifiedPeerManager({ identity, dialer: d.dialer, clock: new ManualClock(), limits: { dialConcurrency: 2, dialQueueLength: 2, maxPeers: 30, outboundShare: 1 } });
    const calls = [1, 2, 3, 4].map((n) => pool.connectToPeer(`10.0.0.${n}:9000`));
    await flushIo();
    expect(d.held).toHaveLength(2);
    await expect(pool.connectToPeer('10.0.0.5:9000')).rejects.toBeInstanceOf(DialQueueFullError);
    while (d.held.length > 0) {
      d.answer(d.held.shift()!);
      await flushIo();
    }
    await Promise.all(calls);
    expect(d.maxRunning).toBe(2);
    expect(pool.connections.size).toBe(4);
    await pool.close();
  });

  it('times a dial out on the pool clock, frees its slot, and closes the late connection with `timeout`', async () => {
    const d = heldDialer();
    const clock = new ManualClock();
    const pool = new UnifiedPeerManager({ identity, dialer: d.dialer, clock, limits: { dialConcurrency: 1, dialTimeoutMs: 5000 } });
    const first = pool.connectToPeer('10.0.0.1:9000');
    const second = pool.connectToPeer('10.0.0.2:9000');
    await flushIo();
    expect(d.held).toHaveLength(1);
    clock.advance(5001);
    await expect(first).rejects.toBeInstanceOf(DialTimeoutError);
    await flushIo();
    expect(d.held).toHaveLength(2); // the slot went to the next dial
    const late = d.answer(d.held[0]!);
    await flushIo();
    expect(late.closedWith).toBe('timeout');
    d.answer(d.held[1]!);
    await second;
    expect([...pool.connections.keys()]).toEqual(['10.0.0.2']);
    await pool.close();
    expect(pool.resources()).toMatchObject({ timers: 0 });
  });

  it('counts dials in flight against the outbound cap', async () => {
    const d = heldDialer();
    const pool = new UnifiedPeerManager({ identity, dialer: d.dialer, clock: new ManualClock(), limits: { maxPeers: 6, outboundShare: 1 / 3 } });
    const ok = [pool.connectToPeer('10.0.0.1:9000'), pool.connectToPeer('10.0.0.2:9000')];
    await expect(pool.connectToPeer('10.0.0.3:9000')).rejects.toBeInstanceOf(PeerLimitError);
    await flushIo();
    for (const h of d.held.splice(0)) d.answer(h);
    await Promise.all(ok);
    await pool.close();
  });
});

describe('the duplicate-connection rule', () => {
  it('is symmetric: for any two node ids, the two nodes keep the same connection', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        const info = (nodeId: string, direction: 'inbound' | 'outbound'): PeerInfo => ({ ip: '1', port: 1, version: 'v', nodeId, direction });
        // A holds its outbound to B and gets B's inbound; B the mirror image.
        const keptByA = duplicateWinner(a, info(b, 'outbound'), info(b, 'inbound'));
        const keptByB = duplicateWinner(b, info(a, 'inbound'), info(a, 'outbound'));
        // The connection A dialled is A's outbound and B's inbound.
        expect(keptByA === 'outbound').toBe(keptByB === 'inbound');
        expect(keptByA).toBeDefined();
      }),
    );
  });

  it('is not applied to a reconnect in the same direction or to another node on the key', () => {
    const i = (nodeId: string, direction: 'inbound' | 'outbound'): PeerInfo => ({ ip: '1', port: 1, version: 'v', nodeId, direction });
    expect(duplicateWinner('a', i('b', 'inbound'), i('b', 'inbound'))).toBeUndefined();
    expect(duplicateWinner('a', i('b', 'inbound'), i('c', 'outbound'))).toBeUndefined();
  });

  describe('over real sockets: both nodes dial each other at once', () => {
    const nodes: GuardedNode[] = [];
    afterEach(async () => {
      await Promise.all(nodes.splice(0).map((n) => n.close()));
    });

    it('each keeps one connection, the same one on both sides, the other closed `duplicate`', async () => {
      const a = await startGuardedNode({ host: '127.0.51.1', nodeId: 'node-a' });
      const b = await startGuardedNode({ host: '127.0.51.2', nodeId: 'node-b' });
      nodes.push(a, b);
      const results = await Promise.allSettled([a.pool.connectToPeer(b.address), b.pool.connectToPeer(a.address)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      await sleep(200); // let the losing connection's close cross
      await waitFor(() => a.pool.connections.size === 1 && b.pool.connections.size === 1, 'one entry each');
      const ea = a.pool.connections.get('127.0.51.2')!;
      const eb = b.pool.connections.get('127.0.51.1')!;
      expect(ea.connection.isOpen && eb.connection.isOpen).toBe(true);
      // 'node-a' < 'node-b': both keep the connection node-a dialled.
      expect(ea.info.direction).toBe('outbound');
      expect(eb.info.direction).toBe('inbound');
      const duplicates = (a.pool.getPoolStats().disconnects.duplicate ?? 0) + (b.pool.getPoolStats().disconnects.duplicate ?? 0);
      expect(duplicates).toBeGreaterThanOrEqual(1);
      const got = new Promise((resolve) => b.pool.once('message', resolve));
      await a.pool.sendToPeer('127.0.51.2', { type: 'GetPeerList' });
      expect(await got).toMatchObject({ key: '127.0.51.1', message: { type: 'GetPeerList' } });
    });
  });
});
