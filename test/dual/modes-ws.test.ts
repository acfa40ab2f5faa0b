import { afterEach, describe, expect, it } from 'vitest';
import { authoritativeSide, mirrorSide, POOL_MODES, type PoolMode } from '../../src/dual/modes.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import { startNode, type TestNode } from '../helpers/test-node.js';
import { flushIo, waitFor } from '../helpers/wait.js';
import { recordingPeer, startDualNode } from './helpers/dual-node.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const custom = (kind: string, data: unknown): NetworkMessage => ({ type: 'Custom', kind, data });

describe('the mode table, over real ws connections', () => {
  POOL_MODES.forEach((mode, i) => {
    it(`${mode}: ${authoritativeSide(mode)} serves and owns the sockets; ${mirrorSide(mode) ?? 'nothing'} is mirrored`, async () => {
      const dual = await startDualNode(`127.0.30.${10 + i}`, { mode, keepAliveIntervalMs: 1000, staleAfterMs: 60_000 });
      const inbound = await startNode({ kind: 'unified', host: `127.0.30.${20 + i}` });
      const outbound = await startNode({ kind: 'unified', host: `127.0.30.${30 + i}` });
      cleanup.push(() => dual.close(), () => inbound.close(), () => outbound.close());
      const received: NetworkMessage[] = [];
      inbound.pool.on('message', (e) => received.push(e.message));
      await inbound.pool.connectToPeer(dual.address);
      await dual.pool.connectToPeer(outbound.address);
      await waitFor(async () => (await dual.pool.getConnectedPeers()).length === 2, 'two peers');

      const auth = dual.pool.manager(authoritativeSide(mode))!;
      const mirror = mirrorSide(mode);
      const other = authoritativeSide(mode) === 'legacy' ? 'unified' : 'legacy';
      expect(auth.snapshot().entries.map((e) => e.key).sort()).toEqual([inbound.host, outbound.host]);
      if (mirror) expect(dual.pool.manager(mirror)!.snapshot().entries.map((e) => e.key).sort()).toEqual([inbound.host, outbound.host]);
      else expect(dual.pool.manager(other)).toBeUndefined();
      // Every link is live on the authoritative side, muted on the other.
      for (const link of dual.pool.links()) {
        expect(link.heldBy(authoritativeSide(mode))).toBe(true);
        expect(link.liveSide).toBe(authoritativeSide(mode));
        expect(link.heldBy(other)).toBe(mirror !== undefined);
      }

      await dual.pool.sendToPeer(inbound.host, custom('one', 1));
      await waitFor(() => received.length === 1, 'message delivered');
      await flushIo();
      expect(received).toEqual([custom('one', 1)]);
      const before = dual.pool.verifier.stats().total;
      await dual.pool.getConnectedPeers();
      expect(dual.pool.verifier.stats().total - before).toBe(mirror ? 1 : 0);
      expect(dual.pool.verifier.stats().mismatched).toBe(0);
    });
  });
});

describe('the wire', () => {
  async function scenario(mode: PoolMode, n: number): Promise<string[]> {
    const dual = await startDualNode(`127.0.31.${n}`, { mode, keepAliveIntervalMs: 1000, staleAfterMs: 60_000 });
    cleanup.push(() => dual.close());
    const host = `127.0.31.${n + 100}`;
    const peer = await recordingPeer(host, dual.address);
    await waitFor(async () => (await dual.pool.getPeer(host)) !== undefined, 'peer held');
    await dual.pool.sendToPeer(host, custom('a', 1));
    await dual.pool.broadcast(custom('b', 2));
    await dual.pool.broadcastBlockProposal({ height: 1, hash: 'h', proposer: 'p' });
    dual.clock.advance(1000);
    await waitFor(() => peer.frames.includes('ping'), 'keep-alive ping');
    await dual.pool.peerSeen(host);
    await dual.pool.removeConnectedPeer(host);
    await waitFor(() => peer.frames.some((f) => f.startsWith('close')), 'closed');
    return peer.frames;
  }

  it('shadow puts exactly the bytes on the wire that legacy does', async () => {
    const legacy = await scenario('legacy', 1);
    const shadow = await scenario('shadow', 2);
    expect(legacy).toContain('ping');
    expect(legacy.filter((f) => f === 'ping')).toHaveLength(1);
    expect(shadow).toEqual(legacy);
    // live and unified put the unified manager's bytes on the wire: one copy of each, too.
    const live = await scenario('live', 3);
    const unified = await scenario('unified', 4);
    expect(live).toEqual(unified);
  });
});

describe('continuous traffic across repeated flips', () => {
  it('nothing is lost or duplicated, no connection dropped, in either direction', async () => {
    const dual = await startDualNode('127.0.32.1', { mode: 'legacy', gate: { minChecks: 0, minDurationMs: 0 }, keepAliveIntervalMs: 1000, staleAfterMs: 600_000 });
    cleanup.push(() => dual.close());
    const remotes: TestNode[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await startNode({ kind: i === 0 ? 'legacy' : 'unified', host: `127.0.32.${10 + i}` });
      cleanup.push(() => r.close());
      remotes.push(r);
    }
    await remotes[0]!.pool.connectToPeer(dual.address);
    await remotes[1]!.pool.connectToPeer(dual.address);
    await dual.pool.connectToPeer(remotes[2]!.address);
    await waitFor(async () => (await dual.pool.getConnectedPeers()).length === 3, 'three peers');
    let disconnects = 0;
    dual.pool.on('peer:disconnected', () => disconnects++);

    const gotAtDual = new Map<string, number[]>();
    dual.pool.on('message', ({ key, message }) => {
      if (message.type === 'Custom') (gotAtDual.get(key) ?? gotAtDual.set(key, []).get(key)!).push(message.data as number);
    });
    const gotAtRemote = remotes.map(() => [] as number[]);
    remotes.forEach((r, i) => r.pool.on('message', ({ message }) => message.type === 'Custom' && gotAtRemote[i]!.push(message.data as number)));

    let running = true;
    const sentByRemote = remotes.map(() => 0);
    const sentByDual = remotes.map(() => 0);
    const pumps = remotes.flatMap((r, i) => [
      (async () => {
        while (running) {
          await r.pool.sendToPeer(dual.host, custom('up', sentByRemote[i]!));
          sentByRemote[i]!++;
          await flushIo();
        }
      })(),
      (async () => {
        while (running) {
          await dual.pool.sendToPeer(r.host, custom('down', sentByDual[i]!));
          sentByDual[i]!++;
          await flushIo();
        }
      })(),
    ]);
    const path: PoolMode[] = ['shadow', 'live', 'unified', 'live', 'shadow', 'legacy'];
    let flips = 0;
    for (let round = 0; round < 3; round++) {
      for (const mode of path) {
        await dual.pool.setMode(mode);
        flips++;
        await new Promise((r) => setTimeout(r, 15));
      }
    }
    running = false;
    await Promise.all(pumps);
    await waitFor(
      () => remotes.every((r, i) => gotAtRemote[i]!.length === sentByDual[i] && (gotAtDual.get(r.host)?.length ?? 0) === sentByRemote[i]),
      'every message delivered',
    );
    await flushIo();
    expect(flips).toBe(18);
    remotes.forEach((r, i) => {
      const seq = (n: number): number[] => Array.from({ length: n }, (_, j) => j);
      expect(sentByDual[i]).toBeGreaterThan(flips);
      expect(gotAtRemote[i]).toEqual(seq(sentByDual[i]!));
      expect(gotAtDual.get(r.host)).toEqual(seq(sentByRemote[i]!));
    });
    expect(disconnects).toBe(0);
    expect(dual.pool.linkCount).toBe(3);
    expect((await dual.pool.getConnectedPeers()).length).toBe(3);
  });
});
