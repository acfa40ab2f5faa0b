import { describe, expect, it } from 'vitest';
import type { ManagerSide } from '../../src/dual/modes.js';
import { authoritativeSide, mirrorSide, type PoolMode } from '../../src/dual/modes.js';
import { ModeTransitionError, PromotionRefusedError } from '../../src/contract/errors.js';
import type { FakeConnection } from './helpers/fake-connection.js';
import { fakeDialer, makePool, realManager } from './helpers/fixtures.js';
import { countingManager, faultyManager } from './helpers/manager-wrappers.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const msg = { type: 'Custom', kind: 'test', data: 1 } as const;

function counted(mode: PoolMode) {
  const log: string[] = [];
  const spies: Partial<Record<ManagerSide, ReturnType<typeof countingManager>>> = {};
  const dialled: FakeConnection[] = [];
  const fx = makePool({
    mode,
    dialer: fakeDialer(dialled),
    createManager: (side, o) => (spies[side] = countingManager(realManager(side, o), side, log)),
  });
  return { ...fx, log, spies, dialled };
}

describe('DualModePool writes', () => {
  const table: { mode: PoolMode; first: ManagerSide; second: ManagerSide | undefined }[] = [
    { mode: 'legacy', first: 'legacy', second: undefined },
    { mode: 'shadow', first: 'legacy', second: 'unified' },
    { mode: 'live', first: 'unified', second: 'legacy' },
    { mode: 'unified', first: 'unified', second: undefined },
  ];
  for (const { mode, first, second } of table) {
    it(`${mode}: every write goes to ${first} first${second ? `, then once to ${second}` : ' only'}`, async () => {
      const { pool, add, log, spies, dialled } = counted(mode);
      expect(authoritativeSide(mode)).toBe(first);
      expect(mirrorSide(mode)).toBe(second);
      const conn = await add('10.0.0.1');
      await pool.connectToPeer('10.0.0.2:9000');
      await pool.peerSeen('10.0.0.1');
      await pool.sendToPeer('10.0.0.1', msg);
      await pool.broadcast(msg);
      await pool.removeConnectedPeer('10.0.0.2');
      const expected = [
        [`${first}.addConnectedPeer`, second && `${second}.addConnectedPeer`],
        [`${first}.connectToPeer`, second && `${second}.addConnectedPeer`],
        [`${first}.peerSeen`, second && `${second}.peerSeen`],
        [`${first}.sendToPeer`, second && `${second}.sendToPeer`],
        [`${first}.broadcast`, second && `${second}.broadcast`],
        [`${first}.removeConnectedPeer`, second && `${second}.removeConnectedPeer`],
      ].flat().filter(Boolean);
      // Legacy's broadcast calls its own sendToPeer through the proxy-free instance: not counted.
      expect(log).toEqual(expected);
      expect(spies[first]!.calls.get('connectToPeer')).toBe(1);
      if (second) expect(spies[second]!.calls.get('connectToPeer')).toBeUndefined();
      // The wire: one real send per sendToPeer and per broadcast, whoever mirrors.
      expect(conn.sent).toHaveLength(2);
      expect(dialled[0]!.sent).toHaveLength(1);
      const link = pool.links().find((l) => l.real === conn)!;
      if (second) expect(link.view(second).muted.sends).toBe(2);
      expect(link.view(first).muted.sends).toBe(0);
      await pool.close();
    });
  }

  it('an authoritative failure is the caller’s, unchanged, and the mirror is not called', async () => {
    const injected = new Error('boom');
    const log: string[] = [];
    const spies: Partial<Record<ManagerSide, ReturnType<typeof countingManager>>> = {};
    const { pool, add } = makePool({
      mode: 'shadow',
      createManager: (side, o) => {
        const m = realManager(side, o);
        if (side === 'legacy') m.removeConnectedPeer = () => Promise.reject(injected);
        return (spies[side] = countingManager(m, side, log));
      },
    });
    await add('10.0.0.1');
    await expect(pool.removeConnectedPeer('10.0.0.1')).rejects.toBe(injected);
    expect(spies.unified!.calls.get('removeConnectedPeer')).toBeUndefined();
    expect(pool.mirrorFailures).toBe(0);
    await pool.close();
  });

  it('a mirror failure is recorded as an error-mismatch, never thrown', async () => {
    let faults!: ReturnType<typeof faultyManager>['faults'];
    const { pool, add } = makePool({
      mode: 'shadow',
      createManager: (side, o) => {
        const m = realManager(side, o);
        if (side === 'legacy') return m;
        const f = faultyManager(m);
        faults = f.faults;
        return f.manager;
      },
    });
    await add('10.0.0.1');
    faults.throwing.add('sendToPeer');
    await expect(pool.sendToPeer('10.0.0.1', msg)).resolves.toBeUndefined();
    expect(pool.mirrorFailures).toBe(1);
    expect(pool.verifier.stats().divergences['error-mismatch'].unexpected).toBe(1);
    await pool.close();
  });
});

describe('DualModePool reads and the muted mirror', () => {
  it('reads are served by the authoritative manager and compared with the mirror', async () => {
    const { pool, add } = makePool({ mode: 'shadow' });
    await add('10.0.0.1');
    await add('10.0.0.2');
    const peers = await pool.getConnectedPeers();
    expect(peers.map((p) => p.ip).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    await pool.getPeerIps();
    await pool.getPeer('10.0.0.1');
    pool.snapshot();
    const s = pool.verifier.stats();
    // 2 adds mirrored (writes) + 4 reads, all matching.
    expect(s.matched).toBe(6);
    expect(s.total).toBe(s.matched + s.mismatched + s.ignored + s.errored + s.sampledOut);
    await pool.close();
  });

  it('checkRatio samples reads, and each divergence records the ratio it was sampled at', async () => {
    let coin = 0;
    const { pool, add } = makePool({ mode: 'shadow', shadow: { checkRatio: 0.5, random: () => (coin++ % 2 === 0 ? 0.1 : 0.9) } });
    await add('10.0.0.1');
    for (let i = 0; i < 10; i++) await pool.getPeerIps();
    const s = pool.verifier.stats();
    expect(s.sampledOut).toBe(5);
    expect(s.matched).toBe(1 + 5);
    await pool.close();
  });

  it('a muted ping settles with the live side’s real ping: one ping on the wire per keep-alive round', async () => {
    const { pool, add, clock } = makePool({ mode: 'shadow', keepAliveIntervalMs: 1000, staleAfterMs: 10_000 });
    const conn = await add('10.0.0.1');
    conn.holdPings = true;
    clock.advance(1000);
    await flush();
    expect(conn.pings).toBe(1);
    const link = pool.links()[0]!;
    expect(link.view('unified').muted.pings).toBe(1);
    conn.answerPings(true);
    await flush();
    expect(pool.manager('unified')!.snapshot().entries[0]!.lastSeen).toBe(clock.now());
    await pool.close();
  });
});

describe('setMode', () => {
  it('legacy -> shadow hydrates unified from legacy, so the first checks match', async () => {
    const { pool, add } = makePool({ mode: 'legacy' });
    await add('10.0.0.1');
    await add('10.0.0.2');
    expect(pool.manager('unified')).toBeUndefined();
    const change = await pool.setMode('shadow');
    expect(change.hydrated).toBe(2);
    expect(pool.manager('unified')!.snapshot().entries).toHaveLength(2);
    for (let i = 0; i < 5; i++) pool.checkNow();
    expect(pool.verifier.stats().mismatched).toBe(0);
    expect(pool.verifier.stats().matched).toBe(5);
    await pool.close();
  });

  it('walks legacy -> shadow -> live -> unified and back without closing a connection', async () => {
    const { pool, add } = makePool({ mode: 'legacy', gate: { minChecks: 0, minDurationMs: 0 } });
    const a = await add('10.0.0.1');
    const path: PoolMode[] = ['shadow', 'live', 'unified', 'live', 'shadow', 'legacy', 'shadow', 'live', 'unified', 'legacy'];
    for (const mode of path) {
      await pool.setMode(mode);
      expect(pool.mode).toBe(mode);
      await pool.sendToPeer('10.0.0.1', msg);
      expect((await pool.getConnectedPeers()).map((p) => p.ip)).toEqual(['10.0.0.1']);
    }
    await flush();
    expect(a.isOpen).toBe(true);
    expect(a.sent).toHaveLength(path.length);
    expect(pool.linkCount).toBe(1);
    await pool.close();
    expect(a.isOpen).toBe(false);
  });

  it('refuses to skip a stage forward', async () => {
    const { pool } = makePool({ mode: 'legacy' });
    await expect(pool.setMode('live')).rejects.toBeInstanceOf(ModeTransitionError);
    expect(pool.mode).toBe('legacy');
    await pool.close();
  });
});

describe('fault injection: each fault is caught with the right kind within K checks', () => {
  const K = 3;
  async function faulty() {
    let faults!: ReturnType<typeof faultyManager>['faults'];
    const fx = makePool({
      mode: 'shadow',
      shadow: { persistenceChecks: K },
      createManager: (side, o) => {
        const m = realManager(side, o);
        if (side === 'legacy') return m;
        const f = faultyManager(m);
        faults = f.faults;
        return f.manager;
      },
    });
    await fx.add('10.0.0.1');
    await fx.add('10.0.0.2');
    return { ...fx, faults };
  }

  it('a dropped peer is missing-in-shadow, reported at the K-th check and not before', async () => {
    const { pool, faults } = await faulty();
    faults.dropped.add('10.0.0.2');
    for (let i = 1; i < K; i++) pool.checkNow();
    expect(pool.verifier.stats().divergences['missing-in-shadow'].unexpected).toBe(0);
    pool.checkNow();
    expect(pool.verifier.stats().divergences['missing-in-shadow'].unexpected).toBe(1);
    expect(pool.verifier.samples()['missing-in-shadow'][0]!.key).toBe('10.0.0.2');
    await pool.close();
  });

  it('misreported liveness is a liveness-mismatch', async () => {
    const { pool, faults } = await faulty();
    faults.misreported.add('10.0.0.1');
    for (let i = 0; i < K; i++) pool.checkNow();
    expect(pool.verifier.stats().divergences['liveness-mismatch'].unexpected).toBe(1);
    await pool.close();
  });

  it('a throwing mirror read is an error-mismatch', async () => {
    const { pool, faults } = await faulty();
    faults.throwing.add('getConnectedPeers');
    await expect(pool.getConnectedPeers()).resolves.toHaveLength(2);
    expect(pool.verifier.stats().divergences['error-mismatch'].unexpected).toBe(1);
    await pool.close();
  });

  it('a difference that lasts fewer than K checks is never reported', async () => {
    const { pool, faults } = await faulty();
    faults.dropped.add('10.0.0.2');
    for (let i = 1; i < K; i++) pool.checkNow();
    faults.dropped.clear();
    for (let i = 0; i < 2 * K; i++) pool.checkNow();
    const d = pool.verifier.stats().divergences;
    expect(d['missing-in-shadow'].unexpected + d['missing-in-shadow'].known).toBe(0);
    await pool.close();
  });

  it('the gate refuses shadow -> live while the fault persists; force overrides', async () => {
    const { pool, faults } = await faulty();
    faults.dropped.add('10.0.0.2');
    for (let i = 0; i < 20; i++) pool.checkNow();
    const refused = await pool.setMode('live').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PromotionRefusedError);
    expect((refused as PromotionRefusedError).reason).toMatch(/checks|below/);
    expect(pool.mode).toBe('shadow');
    const forced = await pool.setMode('live', { force: true });
    expect(forced.forced).toBe(true);
    expect(pool.mode).toBe('live');
    await pool.close();
  });
});
