import { describe, expect, it } from 'vitest';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { PoolOptions } from '../../src/pool/pool-options.js';
import { MirrorCall, type MirrorOutcomes } from '../../src/dual/mirror-call.js';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { makePool } from './helpers/fixtures.js';

const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};
const msg = (i: number): NetworkMessage => ({ type: 'Custom', kind: 'test', data: i });

/** A unified mirror whose sends hang until released, recording the order they were made in. */
class HeldUnified extends UnifiedPeerManager {
  held = false;
  readonly order: number[] = [];
  readonly #waiting: (() => void)[] = [];
  override sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    this.order.push((message as { data: number }).data);
    if (!this.held) return super.sendToPeer(key, message);
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => super.sendToPeer(key, message));
  }
  release(): void {
    this.held = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

describe('the serving path does not wait on the mirror (issue 18)', () => {
  it('in shadow, a hung unified mirror stalls no send: each is answered once legacy sent it', async () => {
    let mirror!: HeldUnified;
    const { pool, add, clock, conns } = makePool({
      mode: 'shadow',
      mirrorTimeoutMs: 1000,
      createManager: (side, o: PoolOptions) => (side === 'unified' ? (mirror = new HeldUnified(o)) : new LegacyPeerManager(o)),
    });
    await add('10.0.0.1');
    mirror.held = true;
    let answered = 0;
    const sends = Array.from({ length: 10 }, (_, i) => pool.sendToPeer('10.0.0.1', msg(i)).then(() => void answered++));
    await turns(200);
    // No clock advance: nothing timed out, the mirror has answered nothing, every caller has its answer.
    expect(answered).toBe(10);
    await Promise.all(sends);
    expect(conns.get('10.0.0.1')!.sent.length).toBe(10);
    // The mirror halves are still in flight, one behind another for the key: the first was made.
    expect(mirror.order).toEqual([0]);
    expect(pool.mirrorCallsPending).toBe(1);
    // Released, the mirror gets the rest in the order legacy served them, and every write is compared.
    mirror.release();
    await turns(200);
    expect(mirror.order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pool.mirrorCallsPending).toBe(0);
    expect(pool.report().coverage.writes.sendToPeer).toBe(10);
    expect(pool.mirrorFailures).toBe(0);
    clock.advance(5000);
    await pool.close();
  });

  it('a mode switch still waits for the mirror halves of the writes before it', async () => {
    let mirror!: HeldUnified;
    const { pool, add } = makePool({
      mode: 'shadow',
      mirrorTimeoutMs: 60_000,
      createManager: (side, o: PoolOptions) => (side === 'unified' ? (mirror = new HeldUnified(o)) : new LegacyPeerManager(o)),
    });
    await add('10.0.0.1');
    mirror.held = true;
    await pool.sendToPeer('10.0.0.1', msg(1));
    let switched = false;
    const switching = pool.setMode('live', { force: true }).then(() => void (switched = true));
    await turns(200);
    // The hand-over must not overtake a send the mirror (about to serve) has not made yet.
    expect(switched).toBe(false);
    mirror.release();
    await switching;
    expect(pool.mode).toBe('live');
    await pool.close();
  });

  it('a mirror that times out is recorded as such; the callers were answered long before', async () => {
    let mirror!: HeldUnified;
    const { pool, add, clock } = makePool({
      mode: 'shadow',
      mirrorTimeoutMs: 1000,
      createManager: (side, o: PoolOptions) => (side === 'unified' ? (mirror = new HeldUnified(o)) : new LegacyPeerManager(o)),
    });
    await add('10.0.0.1');
    mirror.held = true;
    await pool.sendToPeer('10.0.0.1', msg(1));
    expect(pool.mirrorFailures).toBe(0);
    for (let i = 0; i < 6; i++) {
      clock.advance(250);
      await turns(20);
    }
    expect(pool.mirrorFailures).toBe(1);
    expect(pool.mirrorCallsPending).toBe(0);
    await pool.close();
  });
});

describe('MirrorCall', () => {
  it('hands its outcome to the pool once, and makes a promise only when something waits on it', async () => {
    const seen: string[] = [];
    const outcomes: MirrorOutcomes = {
      ok: (call, value) => {
        seen.push(`ok ${String(value)}`);
        call.settle();
      },
      fail: (call, err) => {
        seen.push(`fail ${err.message}`);
        call.settle();
      },
    };
    const call = new MirrorCall(outcomes, 'sendToPeer', '10.0.0.1', 'unified', 3, undefined);
    const waited = call.then(() => void seen.push('then'));
    call.ok(7);
    call.settle();
    await waited;
    expect(seen).toEqual(['ok 7', 'then']);
    expect(call.settled).toBe(true);
    // Settled already: a later wait resolves at once.
    await call;
    const failing = new MirrorCall(outcomes, 'peerSeen', '10.0.0.2', 'legacy', 4, undefined);
    failing.fail(new Error('boom'));
    await failing;
    expect(seen).toEqual(['ok 7', 'then', 'fail boom']);
  });
});
