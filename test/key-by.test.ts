/** The key function: IP by default (one entry per IP, last write wins), or IP:port / node id for peers behind one NAT. */
import { afterEach, describe, expect, it } from 'vitest';
import { createDialer } from '../src/transport/dialer.js';
import { ConfigError } from '../src/contract/errors.js';
import type { PeerConnection } from '../src/transport/peer-connection.js';
import { UnifiedPeerManager } from '../unified/unified-peer-manager.js';
import { MANAGER_KINDS, startNode, TEST_NETWORK, type TestNode } from './helpers/test-node.js';
import { sleep, waitFor } from './helpers/wait.js';

const nodes: TestNode[] = [];
const conns: PeerConnection[] = [];
afterEach(async () => {
  conns.splice(0).forEach((c) => c.terminate());
  for (const n of nodes.splice(0)) await n.close();
});

/** Two peers behind one address (one NAT): same IP, distinct node ids and ports. */
async function twoPeersFromOneIp(node: TestNode, host: string) {
  for (const [nodeId, listenPort] of [['alice', 7001], ['bob', 7002]] as const) {
    const dial = createDialer({ identity: { network: TEST_NETWORK, nodeId, version: '1.0.0', listenPort }, localAddress: host });
    const { connection } = await dial(node.address);
    connection.on('seen', () => undefined);
    conns.push(connection);
  }
}

describe.each(MANAGER_KINDS.map((kind, i) => ({ kind, block: 24 + i })))('keyBy: $kind', ({ kind, block }) => {
  it('keys by IP by default: the second peer from one IP replaces the first', async () => {
    const node = await startNode({ kind, host: `127.0.${block}.1` });
    nodes.push(node);
    await twoPeersFromOneIp(node, `127.0.${block}.2`);
    await waitFor(async () => (await node.pool.getPeer(`127.0.${block}.2`))?.nodeId === 'bob', 'bob holds the key');
    await sleep(50);
    expect(node.pool.snapshot().entries.map((e) => e.key)).toEqual([`127.0.${block}.2`]);
  });

  it.each([
    { keyBy: 'node-id' as const, n: 3, keys: () => ['alice', 'bob'] },
    { keyBy: 'ip:port' as const, n: 5, keys: (ip: string) => [`${ip}:7001`, `${ip}:7002`] },
  ])('keys by $keyBy: both peers behind one IP are held', async ({ keyBy, n, keys }) => {
    const node = await startNode({ kind, host: `127.0.${block}.${n}`, keyBy });
    nodes.push(node);
    const peerIp = `127.0.${block}.${n + 1}`;
    await twoPeersFromOneIp(node, peerIp);
    await waitFor(() => node.pool.getPoolStats().total === 2, 'two peers');
    const expected = keys(peerIp);
    expect(node.pool.snapshot().entries.map((e) => e.key).sort()).toEqual(expected);
    await node.pool.sendToPeer(expected[0]!, { type: 'GetPeerList' });
    expect((await node.pool.getPeer(expected[0]!))?.nodeId).toBe('alice');
  });
});

it('refuses an unknown keyBy, naming the field', () => {
  expect(() => new UnifiedPeerManager({ identity: { network: 'n', nodeId: 'x', version: '1', listenPort: 1 }, keyBy: 'mac' as never })).toThrow(ConfigError);
  expect(() => new UnifiedPeerManager({ identity: { network: 'n', nodeId: 'x', version: '1', listenPort: 1 }, keyBy: 'mac' as never })).toThrow(/keyBy/);
});
