import { describe, expect, it } from 'vitest';
import type { PoolOptions } from '../../src/pool/pool-options.js';
import type { Connection } from '../../src/contract/connection.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { PeerInfo } from '../../src/contract/types.js';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { makePool } from './helpers/fixtures.js';

const msg = { type: 'Custom', kind: 'test', data: 1 } as const;
const never = (): Promise<never> => new Promise<never>(() => undefined);
const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/**
 * Legacy as L6 leaves it: once jammed, every call that takes a lock waits for good (its locks
 * are held by the two sides of a deadlock). A stand-in for the lock-order race itself, which
 * test/legacy-differences.test.ts reproduces over real sockets.
 */
class JammedLegacy extends LegacyPeerManager {
  jammed = false;
  override addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    return this.jammed ? never() : super.addConnectedPeer(connection, info);
  }
  override sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    return this.jammed ? never() : super.sendToPeer(key, message);
  }
}

describe('rollback after the legacy mirror deadlocked (L6)', () => {
  // Seen in a soak: in live, the legacy mirror deadlocked; the rollback to shadow gave it the
  // connections it lacked, each add waited on its locks for good, and the switch never ended.
  it('replaces the deadlocked mirror with a fresh one holding every connection, instead of hanging', async () => {
    const made: JammedLegacy[] = [];
    const { pool, add, clock } = makePool({
      mode: 'live',
      mirrorTimeoutMs: 1000,
      createManager: (side, o: PoolOptions) => (side === 'legacy' ? (made[made.length] = new JammedLegacy(o)) : new UnifiedPeerManager(o)),
    });
    await add('10.0.0.1');
    made[0]!.jammed = true;
    // The mirror's half of a send never answers: it times out (recorded, not thrown).
    const send = pool.sendToPeer('10.0.0.1', msg);
    for (let i = 0; i < 8; i++) {
      clock.advance(250);
      await turns();
    }
    await send;
    // A peer the jammed mirror never took.
    const adding = add('10.0.0.2');
    for (let i = 0; i < 8; i++) {
      clock.advance(250);
      await turns();
    }
    await adding;
    expect(pool.manager('unified')!.snapshot().entries.map((e) => e.key).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    const unifiedBefore = pool.manager('unified');

    // No clock advance from here: a switch that waits on the jammed manager never ends.
    const switched = pool.setMode('shadow').then(() => 'switched');
    const outcome = await Promise.race([switched, new Promise<string>((r) => setTimeout(() => r('hung'), 1000))]);
    expect(outcome).toBe('switched');
    expect(pool.mode).toBe('shadow');
    expect(made).toHaveLength(2);
    expect(pool.manager('legacy')).toBe(made[1]);
    expect(pool.manager('legacy')!.snapshot().entries.filter((e) => e.connected).map((e) => e.key).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    // The mirror starts from the same instant (a fresh legacy knows every peer as just seen).
    expect(pool.manager('unified')).not.toBe(unifiedBefore);
    expect(pool.manager('unified')!.snapshot().entries.map((e) => e.key).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    // Nothing was dropped: both sockets are open and served by legacy now.
    await pool.sendToPeer('10.0.0.2', msg);
    await pool.close();
  });

  it('keeps the mirror it has when no call to it timed out', async () => {
    const made: JammedLegacy[] = [];
    const { pool, add } = makePool({
      mode: 'live',
      mirrorTimeoutMs: 1000,
      createManager: (side, o: PoolOptions) => (side === 'legacy' ? (made[made.length] = new JammedLegacy(o)) : new UnifiedPeerManager(o)),
    });
    await add('10.0.0.1');
    await pool.sendToPeer('10.0.0.1', msg);
    await pool.setMode('shadow');
    expect(made).toHaveLength(1);
    expect(pool.manager('legacy')).toBe(made[0]);
    await pool.close();
  });
});
