/**
 * Real faults, in both managers and in every mode of the dual-mode pool: a half-open peer
 * (frozen with SIGSTOP, or alive but never answering pings) is reaped within twice the
 * keep-alive interval while a live peer is kept; an abrupt kill is noticed at once, with no
 * clock moved. Bound: staleAfterMs + reaperIntervalMs <= 2 x keepAliveIntervalMs (1500 + 250 <
 * 2000 here). Addresses: 127.0.54.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/contract/clock.js';
import type { PeerPool } from '../../src/contract/peer-pool.js';
import { startDualNode } from '../dual/helpers/dual-node.js';
import { spawnPeer, stopAllPeers, type RemotePeer } from '../helpers/remote-peer.js';
import { startNode, TEST_NETWORK } from '../helpers/test-node.js';
import { sleep, waitFor } from '../helpers/wait.js';

const KEEP_ALIVE = 1000;
const TIMING = { keepAliveIntervalMs: KEEP_ALIVE, staleAfterMs: 1500, reaperIntervalMs: 250 };
const STEP = 250;

interface Subject {
  readonly pool: PeerPool;
  readonly clock: ManualClock;
  readonly address: string;
  close(): Promise<void>;
}

const SUBJECTS: { name: string; start(host: string): Promise<Subject> }[] = [
  ...(['legacy', 'unified'] as const).map((kind) => ({
    name: `${kind} manager`,
    start: async (host: string) => {
      const n = await startNode({ kind, host, ...TIMING });
      return { pool: n.pool, clock: n.clock as ManualClock, address: n.address, close: () => n.close() };
    },
  })),
  ...(['legacy', 'shadow', 'live', 'unified'] as const).map((mode) => ({
    name: `dual-mode pool in ${mode} mode`,
    start: async (host: string) => {
      const n = await startDualNode(host, { mode, ...TIMING });
      return { pool: n.pool, clock: n.clock, address: n.address, close: () => n.close() };
    },
  })),
];

let subject: Subject | undefined;
afterEach(async () => {
  await subject?.close();
  subject = undefined;
  await stopAllPeers();
});

describe.each(SUBJECTS.map((s, i) => ({ ...s, block: i * 10 })))('$name', ({ start, block }) => {
  const ip = (n: number) => `127.0.54.${block + n}`;

  async function setUp(faulty: { autoPong?: boolean } = {}): Promise<{ pool: PeerPool; clock: ManualClock; live: RemotePeer; bad: RemotePeer }> {
    subject = await start(ip(1));
    subject.pool.start();
    const [live, bad] = await Promise.all([
      spawnPeer({ host: ip(2), network: TEST_NETWORK, nodeId: `live-${block}` }),
      spawnPeer({ host: ip(3), network: TEST_NETWORK, nodeId: `bad-${block}`, ...faulty }),
    ]);
    await subject.pool.connectToPeer(live.address);
    await subject.pool.connectToPeer(bad.address);
    return { pool: subject.pool, clock: subject.clock, live, bad };
  }

  const held = async (pool: PeerPool) => (await pool.getConnectedPeers()).map((p) => p.ip).sort();

  /** Moves the pool clock by `total` in small steps, letting real pings and pongs cross. */
  async function advance(clock: ManualClock, total: number): Promise<void> {
    for (let t = 0; t < total; t += STEP) {
      clock.advance(STEP);
      await sleep(80);
    }
  }

  it.each([
    ['frozen with SIGSTOP', {}, (p: RemotePeer) => p.kill('SIGSTOP')],
    ['alive with auto-pong off', { autoPong: false }, () => undefined],
  ] as const)('reaps a half-open peer (%s) within 2 x keep-alive and keeps the live one', async (_what, faulty, freeze) => {
    const { pool, clock, bad } = await setUp(faulty);
    expect(await held(pool)).toEqual([ip(2), ip(3)]);
    freeze(bad);
    await advance(clock, KEEP_ALIVE);
    expect(await held(pool)).toEqual([ip(2), ip(3)]); // one keep-alive: not yet stale
    await advance(clock, KEEP_ALIVE);
    expect(await held(pool)).toEqual([ip(2)]);
    expect(pool.getPoolStats().total).toBe(1);
  });

  it('notices an abrupt kill at once: no clock moved, the stats back to the live peer only', async () => {
    const { pool, bad } = await setUp();
    bad.kill('SIGKILL');
    await waitFor(async () => (await held(pool)).length === 1, 'the killed peer dropped on its close event', 3000);
    expect(await held(pool)).toEqual([ip(2)]);
    expect(pool.getPoolStats().total).toBe(1);
  });
});
