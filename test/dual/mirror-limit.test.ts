/**
 * Shadow mode: the unified mirror refusing a peer for maxPeers, which the authoritative legacy
 * manager (no limit) took, is a difference by design, not an unexpected divergence, for as long
 * as legacy holds the peer; once legacy lets it go, the key is compared again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PeerLimitError } from '../../src/contract/errors.js';
import type { PoolOptions } from '../../src/pool/pool-options.js';
import type { FakeConnection } from './helpers/fake-connection.js';
import { fakeDialer, makePool, realManager, type Fixture } from './helpers/fixtures.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.pool.close();
  fixture = undefined;
});

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function unexpected(f: Fixture): Record<string, number> {
  return Object.fromEntries(Object.entries(f.pool.report().divergences).filter(([, d]) => d.unexpected > 0).map(([k, d]) => [k, d.unexpected]));
}

async function passes(f: Fixture, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    f.clock.advance(200);
    f.pool.checkNow();
    await flush();
  }
}

describe('a unified mirror past maxPeers, legacy authoritative', () => {
  it('refusing the peer legacy took past the limit is skipped, not an unexpected divergence, until legacy lets it go', async () => {
    const f = (fixture = makePool({ mode: 'shadow', limits: { maxPeers: 2 }, shadow: { persistenceChecks: 3, eventSettleMs: 100 } }));
    f.pool.start();
    await f.add('10.0.0.1');
    await f.add('10.0.0.2');
    // Two handshakes admitted at once past the listener's count: legacy takes the third, unified refuses it.
    await f.add('10.0.0.3');
    expect(f.pool.manager('legacy')!.getPoolStats().total).toBe(3);
    expect(f.pool.manager('unified')!.getPoolStats().total).toBe(2);
    await passes(f, 8);
    expect(f.pool.report().outcomes.snapshotChecks).toBeGreaterThanOrEqual(8);
    expect(f.pool.mirrorFailures).toBe(0);
    expect(unexpected(f)).toEqual({});

    // Legacy lets it go: the key is compared again, and the two agree.
    f.conns.get('10.0.0.3')!.peerClosed();
    await flush();
    expect(f.pool.manager('legacy')!.getPoolStats().total).toBe(2);
    await passes(f, 8);
    expect(unexpected(f)).toEqual({});
    expect(f.pool.report().consistencyRate).toBe(1);
  });

  it('a refusal for the limit while legacy holds no more than maxPeers is still unexpected (unified miscounts)', async () => {
    const f = (fixture = makePool({
      mode: 'shadow',
      limits: { maxPeers: 5 },
      shadow: { persistenceChecks: 3, eventSettleMs: 100 },
      // A unified manager that refuses the second peer for the limit with room to spare.
      createManager: (side, options: PoolOptions) => {
        const manager = realManager(side, options);
        if (side !== 'unified') return manager;
        const add = manager.addConnectedPeer.bind(manager);
        manager.addConnectedPeer = (connection, info) => (info.ip === '10.0.0.2' ? Promise.reject(new PeerLimitError(info.ip, 'maxPeers 5 reached')) : add(connection, info));
        return manager;
      },
    }));
    f.pool.start();
    await f.add('10.0.0.1');
    await f.add('10.0.0.2');
    await passes(f, 8);
    expect(f.pool.mirrorFailures).toBe(1);
    expect(unexpected(f)['error-mismatch']).toBe(1);
  });

  it('dials legacy made past the outbound cap: unified\'s refusal is skipped by the peer\'s key, not the address dialled', async () => {
    const dialled: FakeConnection[] = [];
    // maxPeers 3, outbound share 1/3: one outbound slot in unified, none kept by legacy.
    const f = (fixture = makePool({ mode: 'shadow', dialer: fakeDialer(dialled), limits: { maxPeers: 3, outboundShare: 1 / 3 }, shadow: { persistenceChecks: 3, eventSettleMs: 100 } }));
    f.pool.start();
    await f.pool.connectToPeer({ host: '10.0.1.1', port: 7000 });
    await f.pool.connectToPeer({ host: '10.0.1.2', port: 7000 });
    expect(f.pool.manager('legacy')!.getPoolStats().total).toBe(2);
    expect(f.pool.manager('unified')!.getPoolStats().total).toBe(1);
    await passes(f, 8);
    expect(f.pool.mirrorFailures).toBe(0);
    expect(unexpected(f)).toEqual({});
  });

  it('legacy past the outbound cap when shadow begins: the connections unified refuses at hydration are skipped, not unexpected', async () => {
    // Seen in a 20-node roll-out rehearsal: a node had dialled 19 peers in legacy (which keeps no
    // cap); at legacy -> shadow the unified manager, hydrated with them, refused 3 past its outbound
    // cap of 16, and each was reported missing-in-shadow, unexpected, for as long as it was held.
    const dialled: FakeConnection[] = [];
    const f = (fixture = makePool({ mode: 'legacy', dialer: fakeDialer(dialled), limits: { maxPeers: 3, outboundShare: 1 / 3 }, shadow: { persistenceChecks: 3, eventSettleMs: 100 } }));
    f.pool.start();
    await f.pool.connectToPeer({ host: '10.0.1.1', port: 7000 });
    await f.pool.connectToPeer({ host: '10.0.1.2', port: 7000 });
    const change = await f.pool.setMode('shadow');
    expect(change.hydrated).toBe(1);
    expect(f.pool.manager('unified')!.getPoolStats().total).toBe(1);
    await passes(f, 8);
    expect(unexpected(f)).toEqual({});
    // Legacy lets the refused peer go: compared again, and the two agree.
    const inUnified = new Set(f.pool.manager('unified')!.snapshot().entries.map((e) => e.key));
    const refused = dialled.find((c) => !inUnified.has(c.remoteIp))!;
    refused.peerClosed();
    await flush();
    await passes(f, 8);
    expect(unexpected(f)).toEqual({});
    expect(f.pool.manager('legacy')!.getPoolStats().total).toBe(1);
  });
});
