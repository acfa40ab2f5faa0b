/**
 * L1-L7: what the legacy manager does, and what the unified manager does instead. Shadow mode has
 * to tell exactly these differences from real bugs, so each is pinned here over real sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../src/contract/clock.js';
import type { PeerConnection } from '../src/transport/peer-connection.js';
import { createDialer } from '../src/transport/dialer.js';
import { LockCanceledError } from '../src/contract/errors.js';
import { PeerListener } from '../src/transport/peer-listener.js';
import type { LockStallReport } from '../src/pool/lock-watchdog.js';
import type { LegacyPeerManager } from '../legacy/legacy-peer-manager.js';
import type { UnifiedPeerManager } from '../unified/unified-peer-manager.js';
import { captureLogs } from './helpers/log-capture.js';
import { startNode, TEST_NETWORK, type TestNode } from './helpers/test-node.js';
import { sleep, waitFor } from './helpers/wait.js';

const STALE = 300_000;
const REAPER = 30_000;
const LEGACY = 22;
const UNIFIED = 23;
const ip = (block: number, n: number) => `127.0.${block}.${n}`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node<P extends LegacyPeerManager | UnifiedPeerManager>(kind: 'legacy' | 'unified', extra: object = {}) {
  const block = kind === 'legacy' ? LEGACY : UNIFIED;
  const logs = captureLogs();
  const n = (await startNode({ kind, host: ip(block, 1), logger: logs.logger, staleAfterMs: STALE, reaperIntervalMs: REAPER, ...extra })) as TestNode<P>;
  cleanups.push(() => n.close());
  n.pool.start();
  return { n, pool: n.pool, clock: n.clock as ManualClock, logs, block };
}

/** A remote peer dialling from `host` in this process: a real ws connection, controlled by the test. */
function remote(host: string, version = '1.0.0') {
  const dial = createDialer({ identity: { network: TEST_NETWORK, nodeId: `remote-${host}`, version, listenPort: 9 }, localAddress: host });
  const conns: PeerConnection[] = [];
  cleanups.push(() => conns.forEach((c) => c.terminate()));
  return async (address: string) => {
    const { connection } = await dial(address);
    conns.push(connection);
    // A listener starts the flow of frames, so this side sees the node's close frame.
    connection.on('close', (code) => closeCodes.set(connection, code)).on('seen', () => undefined);
    return connection as PeerConnection;
  };
}

const closeCodes = new Map<PeerConnection, number>();

describe('L1: peerSeen on an absent key', () => {
  it('legacy creates a lastSeen entry with no peer; unified does nothing', async () => {
    const legacy = await node('legacy');
    const unified = await node('unified');
    await legacy.pool.peerSeen(ip(LEGACY, 50));
    await unified.pool.peerSeen(ip(UNIFIED, 50));
    expect(legacy.pool.snapshot().entries).toEqual([
      { key: ip(LEGACY, 50), info: undefined, lastSeen: legacy.clock.now(), liveness: 'alive', connectedAt: undefined, connected: false },
    ]);
    expect(unified.pool.snapshot().entries).toEqual([]);
    // The reaper later "removes" a peer that never was, with a warning.
    for (const { clock } of [legacy, unified]) clock.advance(STALE + REAPER);
    await waitFor(() => legacy.pool.snapshot().entries.length === 0, 'reaped');
    expect(legacy.logs.messages()).toContain('Peer down (heartbeat timeout)');
    expect(unified.logs.messages()).not.toContain('Peer down (heartbeat timeout)');
  });
});

describe('L2: a peer with no connection', () => {
  it('legacy lists phantom peers in getPeerIps and fails sending to them; unified holds none', async () => {
    const legacy = await node<LegacyPeerManager>('legacy');
    const unified = await node<UnifiedPeerManager>('unified');
    for (const { n, block } of [legacy, unified]) await remote(ip(block, 2))(n.address);
    await waitFor(async () => (await legacy.pool.getConnectedPeers()).length === 1 && (await unified.pool.getConnectedPeers()).length === 1, 'connected');
    await legacy.pool.addPeerInfo({ ip: ip(LEGACY, 51), port: 1, version: '1.0.0', direction: 'outbound', nodeId: 'phantom' });
    expect((await legacy.pool.getPeerIps()).sort()).toEqual([ip(LEGACY, 2), ip(LEGACY, 51)]);
    expect(await legacy.pool.getConnectedPeers()).toHaveLength(1);
    expect(await legacy.pool.broadcast({ type: 'GetPeerList' })).toEqual({ sent: 1, failed: 1, skipped: 0 });
    // removePeerConnection keeps the info on purpose: one more phantom.
    await legacy.pool.removePeerConnection(ip(LEGACY, 2));
    expect((await legacy.pool.getPeerIps()).sort()).toEqual([ip(LEGACY, 2), ip(LEGACY, 51)]);
    expect(await legacy.pool.getConnectedPeers()).toEqual([]);

    expect(await unified.pool.getPeerIps()).toEqual([ip(UNIFIED, 2)]);
    expect(await unified.pool.broadcast({ type: 'GetPeerList' })).toEqual({ sent: 1, failed: 0, skipped: 0 });
  });
});

describe('L3: a connection that dies', () => {
  it('legacy leaves lastSeen behind until a later tick; unified forgets at once', async () => {
    const legacy = await node('legacy');
    const unified = await node('unified');
    for (const { n, pool, block } of [legacy, unified]) {
      const conn = await remote(ip(block, 2))(n.address);
      await waitFor(async () => (await pool.getPeerIps()).length === 1, 'connected');
      conn.close('shutdown');
      await waitFor(async () => (await pool.getConnectedPeers()).length === 0, 'dropped');
    }
    await sleep(20);
    expect(legacy.pool.snapshot().entries.map((e) => [e.key, e.info, e.connected])).toEqual([[ip(LEGACY, 2), undefined, false]]);
    expect(unified.pool.snapshot().entries).toEqual([]);
    // The keep-alive task's exit (or the reaper) clears the leftover later.
    legacy.clock.advance(STALE + REAPER);
    await waitFor(() => legacy.pool.snapshot().entries.length === 0, 'leftover cleared');
  });
});

describe('L4: overwrite on reconnect', () => {
  it('legacy keeps the old connection open and its keep-alive task running; unified closes it as replaced', async () => {
    const legacy = await node<LegacyPeerManager>('legacy');
    const unified = await node<UnifiedPeerManager>('unified');
    const old = { legacy: undefined as PeerConnection | undefined, unified: undefined as PeerConnection | undefined };
    for (const [kind, { n, pool, block }] of [['legacy', legacy], ['unified', unified]] as const) {
      const dial = remote(ip(block, 2));
      old[kind] = await dial(n.address);
      await waitFor(() => pool.resources().entries === 1, 'first');
      await dial(n.address);
      await waitFor(() => pool.resources().timers >= (kind === 'legacy' ? 2 : 1) && pool.getPoolStats().total === 1, 'second');
    }
    expect(legacy.pool.resources()).toMatchObject({ entries: 1, timers: 2 });
    expect(old.legacy!.isOpen).toBe(true);
    expect(unified.pool.resources()).toMatchObject({ entries: 1, timers: 1 });
    await waitFor(() => closeCodes.has(old.unified!), 'old unified connection closed');
    expect(closeCodes.get(old.unified!)).toBe(4002);
    expect(closeCodes.has(old.legacy!)).toBe(false);
  });
});

describe('L5: removal by key with no identity check', () => {
  it('a late close of the old connection removes its replacement in legacy, not in unified', async () => {
    const legacy = await node('legacy');
    const unified = await node('unified');
    for (const { n, pool, block } of [legacy, unified]) {
      const dial = remote(ip(block, 2));
      const first = await dial(n.address);
      await waitFor(() => pool.getPoolStats().total === 1, 'first');
      const second = await dial(n.address);
      await sleep(50);
      first.close('shutdown');
      await sleep(100);
      expect(second.isOpen).toBe(pool === unified.pool);
    }
    expect(await legacy.pool.getConnectedPeers()).toEqual([]);
    expect((await unified.pool.getConnectedPeers()).map((p) => p.ip)).toEqual([ip(UNIFIED, 2)]);
  });
});

describe('L6: opposite lock orders', () => {
  async function raceConnectWithRemove(kind: 'legacy' | 'unified') {
    const stalls: LockStallReport[] = [];
    const { n, pool, clock, block } = await node(kind, { lockWaitBoundMs: 1000, onLockStall: (r: LockStallReport) => stalls.push(r) });
    pool.start();
    const remoteHost = ip(block, 3);
    const listener = new PeerListener({ host: remoteHost, port: 0, identity: { network: TEST_NETWORK, nodeId: 'target', version: '1.0.0', listenPort: 0 } });
    const { port } = await listener.listen();
    cleanups.push(() => listener.close());
    listener.on('peer', (c) => cleanups.push(() => c.terminate()));
    // The moment connect holds `connections`, a remove for the same key starts.
    let removal: Promise<void> | undefined;
    pool.locks.on('acquired', (party) => {
      if (party.op === 'connectToPeer' && party.lock === 'connections' && !removal) removal = pool.removeConnectedPeer(remoteHost);
    });
    const connect = pool.connectToPeer(`${remoteHost}:${port}`);
    const settled = Promise.allSettled([connect, waitFor(() => removal !== undefined, 'removal started').then(() => removal)]);
    await sleep(100);
    clock.advance(2000);
    await sleep(20);
    return { n, pool, stalls, settled };
  }

  it('legacy: connect racing remove deadlocks, and the watchdog names both sides', async () => {
    const { n, pool, stalls, settled } = await raceConnectWithRemove('legacy');
    expect(stalls.length).toBeGreaterThanOrEqual(2);
    const report = stalls[0]!;
    expect(report.holders.map((h) => `${h.op} holds ${h.lock}`).sort()).toEqual([
      'connectToPeer holds connections',
      'removeConnectedPeer holds peers',
    ]);
    expect(report.waiters.map((w) => `${w.op} waits ${w.lock}`).sort()).toEqual([
      'connectToPeer waits peers',
      'removeConnectedPeer waits connections',
    ]);
    await n.close(); // cancels the waits: both callers get a typed error instead of hanging
    const outcomes = await settled;
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).constructor : 'ok'))).toEqual([LockCanceledError, LockCanceledError]);
    expect(pool.resources().lockWaiters).toBe(0);
  });

  it('unified: the same race completes, with no stall', async () => {
    const { pool, stalls, settled } = await raceConnectWithRemove('unified');
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(stalls).toEqual([]);
    expect(pool.resources()).toMatchObject({ lockHolders: 0, lockWaiters: 0, entries: 0 });
  });
});

describe('L7: the "unknown" version guard', () => {
  it('legacy silently does not store an inbound connection with version unknown; unified takes it', async () => {
    const legacy = await node('legacy');
    const unified = await node('unified');
    for (const { n, pool, block } of [legacy, unified]) {
      await remote(ip(block, 2), '1.0.0')(n.address);
      await waitFor(() => pool.getPoolStats().total === 1, 'first');
      await remote(ip(block, 2), 'unknown')(n.address);
      await sleep(100);
    }
    expect((await legacy.pool.getPeer(ip(LEGACY, 2)))?.version).toBe('1.0.0');
    expect((await unified.pool.getPeer(ip(UNIFIED, 2)))?.version).toBe('unknown');
  });
});
