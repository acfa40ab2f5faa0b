/**
 * The defects `--inject-fault` plants follow the pool's peers: when the faulted peer leaves,
 * the fault moves to the longest-held peer left, so a rehearsal's kills cannot remove it before
 * shadow verification sees it. Real peers in child processes. Addresses: 127.0.71.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { plantFault } from '../../src/node/manager-faults.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { spawnPeer, stopAllPeers } from '../helpers/remote-peer.js';
import { startNode, TEST_NETWORK, type TestNode } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';

let node: TestNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
  await stopAllPeers();
});

describe.each([
  { fault: 'stale-liveness' as const, block: 0 },
  { fault: 'drop-peer' as const, block: 10 },
])('plantFault($fault)', ({ fault, block }) => {
  const ip = (n: number) => `127.0.71.${block + n}`;

  /** The keys the faulty manager gets wrong, read from its own answers. */
  const wrong = (pool: UnifiedPeerManager, held: readonly string[]): string[] => {
    const entries = new Map(pool.snapshot().entries.map((e) => [e.key, e]));
    return held.filter((k) => (fault === 'drop-peer' ? !entries.has(k) : entries.get(k)?.liveness === 'stale'));
  };

  it('misreports the first peer taken, then the longest-held one when that peer leaves', async () => {
    node = await startNode({ kind: 'unified', host: ip(1), factory: (o) => plantFault(new UnifiedPeerManager(o), fault) });
    const pool = node.pool as UnifiedPeerManager;
    const peers = await Promise.all([2, 3, 4].map((n) => spawnPeer({ host: ip(n), network: TEST_NETWORK, nodeId: `p${block + n}` })));
    for (const p of peers) await pool.connectToPeer(p.address);
    const keys = peers.map((p) => p.host);
    expect(wrong(pool, keys)).toEqual([keys[0]]);

    peers[0]!.kill('SIGKILL');
    await waitFor(() => wrong(pool, keys.slice(1)).length === 1, 'the fault moved to a peer still held');
    expect(wrong(pool, keys.slice(1))).toEqual([keys[1]]);
  }, 30_000);
});
