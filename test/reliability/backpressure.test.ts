/**
 * A peer that never reads: broadcast skips it once its socket holds more than the high-water
 * mark, so its buffer (and the node's memory) stays bounded while the peers that read receive
 * every message; past slowPeerTimeoutMs it is disconnected `slow`. Addresses: 127.0.52.x.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/contract/clock.js';
import { createDialer } from '../../src/transport/dialer.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { PeerConnection } from '../../src/transport/peer-connection.js';
import { spawnPeer, stopAllPeers } from '../helpers/remote-peer.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { flushIo, waitFor } from '../helpers/wait.js';
import { startGuardedNode, type GuardedNode } from './helpers/guarded-node.js';

const ip = (n: number) => `127.0.52.${n}`;
const HWM = 512 * 1024;
const MESSAGE_BYTES = 64 * 1024;
const MESSAGES = 200; // 12.8 MB per peer: far past any kernel buffer, so an unbounded queue would show
const SLOW_MS = 10_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const memory = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

let node: GuardedNode | undefined;
let stalled: PeerConnection | undefined;
afterEach(async () => {
  stalled?.terminate();
  await node?.close();
  await stopAllPeers();
});

it('skips the never-reading peer past the high-water mark, keeps memory bounded, delivers everything to the others, then disconnects it `slow`', async () => {
  node = await startGuardedNode({
    host: ip(1),
    limits: { highWaterMark: HWM, slowPeerTimeoutMs: SLOW_MS },
    // Real-time send timeout well past the test: the slow path under test is the pool's own.
    connection: { sendTimeoutMs: 120_000, highWaterMark: Infinity },
  });
  const pool = node.pool;
  const readers = await Promise.all([2, 3].map((n) => spawnPeer({ host: ip(n), network: TEST_NETWORK, nodeId: `reader-${n}` })));
  for (const r of readers) await r.dial(node.address);
  // The stalled peer: a handshaken connection that nobody ever reads from.
  const dial = createDialer({ identity: { network: TEST_NETWORK, nodeId: 'stalled', version: '1', listenPort: 0 }, localAddress: ip(4), clock: systemClock });
  stalled = (await dial(node.address)).connection;
  await waitFor(() => pool.connections.size === 3, 'three peers held');
  const readerKeys = [ip(2), ip(3)];
  const before = memory();

  const payload = 'x'.repeat(MESSAGE_BYTES);
  const broadcasts: Promise<unknown>[] = [];
  let maxStalledBuffer = 0;
  for (let i = 0; i < MESSAGES; i++) {
    // Pace on the readers only: they drain, the stalled one never does.
    await waitFor(async () => {
      await flushIo();
      return readerKeys.every((k) => (pool.connections.get(k)?.connection.bufferedAmount ?? 0) <= HWM);
    }, 'readers drained', 10_000);
    const message: NetworkMessage = { type: 'Custom', kind: 'load', data: { i, payload } };
    broadcasts.push(pool.broadcast(message));
    maxStalledBuffer = Math.max(maxStalledBuffer, pool.connections.get(ip(4))?.connection.bufferedAmount ?? 0);
  }
  await Promise.all(readers.map((r) => r.waitForReceived(MESSAGES, 30_000)));
  for (const r of readers) expect(r.received().map((m) => (m as { data: { i: number } }).data.i)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));

  // Bounded: at most one message past the mark was ever queued for the stalled peer.
  expect(maxStalledBuffer).toBeLessThanOrEqual(HWM + MESSAGE_BYTES + 1024);
  // What this process grew by, less what the test itself keeps: every message the readers got is
  // mirrored here by RemotePeer (about MESSAGE_BYTES each). An unbounded queue for the stalled
  // peer would add ~10 MB of buffers on top.
  const keptByTest = readers.reduce((n, r) => n + r.receivedCount(), 0) * MESSAGE_BYTES;
  expect(memory() - before - keptByTest).toBeLessThan(8 * 1024 * 1024);
  const stats = pool.getPoolStats();
  expect(stats.backpressureSkips).toBeGreaterThan(MESSAGES / 2);
  expect(pool.connections.has(ip(4))).toBe(true); // not yet: over the mark for less than the bound

  node.clock.advance(SLOW_MS + 1);
  await pool.broadcast({ type: 'GetPeerList' });
  expect(pool.connections.has(ip(4))).toBe(false);
  expect(pool.getPoolStats().disconnects).toMatchObject({ slow: 1 });
  // Every broadcast settles: the stalled peer's sends fail with its connection.
  const settled = await Promise.all(broadcasts);
  const total = settled.reduce<{ sent: number; skipped: number }>((acc, r) => {
    const x = r as { sent: number; skipped: number };
    return { sent: acc.sent + x.sent, skipped: acc.skipped + x.skipped };
  }, { sent: 0, skipped: 0 });
  expect(total.sent).toBeGreaterThanOrEqual(2 * MESSAGES);
  expect(total.skipped).toBe(stats.backpressureSkips);
  expect([...pool.connections.keys()].sort()).toEqual(readerKeys);
}, 60_000);
