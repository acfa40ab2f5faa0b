/**
 * `--max-peers` in every mode: a real node process refuses the peer past the limit during its
 * handshake (close 4004 too-many-peers before the node's Hello), so the peer reaches neither
 * manager; in shadow the refusals leave no divergence. Addresses: 127.0.89.1-36.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/transport/close-codes.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { rawPeer, type RawPeer } from '../reliability/helpers/raw-peer.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

const FAST = ['--keep-alive', '1s', '--stale-after', '5s', '--reaper-interval', '500ms', '--ping-timeout', '1s', '--snapshot-interval', '300ms'];
const ip = (n: number): string => `127.0.89.${n}`;
const children: NodeChild[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});

async function startNode(mode: string, host: string, maxPeers: number): Promise<{ listen: string; admin: string }> {
  const c = runCli(['node', '--log-format', 'json', ...FAST, '--network', TEST_NETWORK, '--mode', mode, '--listen', `${host}:0`, '--admin', `${host}:0`, '--max-peers', String(maxPeers)]);
  children.push(c);
  const rec = await c.waitForLog('node started');
  return { listen: String(rec.listen), admin: String(rec.admin) };
}

async function heldPeers(admin: string): Promise<number> {
  return ((await getJson(`http://${admin}/healthz`)).body as { peers: number }).peers;
}

async function connect(hosts: string[], target: string): Promise<RawPeer[]> {
  const opened = await Promise.all(hosts.map((h) => rawPeer(h, target, { hello: true })));
  peers.push(...opened);
  return opened;
}

/** N peers held, then two more at once: both refused 4004 before any Hello of the node's, the count stays N. */
async function refusesPastTheLimit(node: { listen: string; admin: string }, base: number): Promise<void> {
  const held = await connect([ip(base + 1), ip(base + 2), ip(base + 3)], node.listen);
  expect(await Promise.all(held.map((p) => p.answered))).toEqual([true, true, true]);
  await waitFor(async () => (await heldPeers(node.admin)) === 3, 'the node holds three peers');

  const extra = await connect([ip(base + 4), ip(base + 5)], node.listen);
  // answered: false means the socket closed before the node said Hello.
  expect(await Promise.all(extra.map((p) => p.answered))).toEqual([false, false]);
  for (const p of extra) expect(await p.closed).toEqual([CLOSE_CODES['too-many-peers'], 'too-many-peers']);
  // The held peers are still there, and still answered.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await heldPeers(node.admin)).toBe(3);
  for (const p of held) expect(p.ws.readyState).toBe(p.ws.OPEN);

  // A held peer leaving frees its slot.
  held[0]!.ws.close();
  await waitFor(async () => (await heldPeers(node.admin)) === 2, 'the node lets the leaving peer go');
  const again = await connect([ip(base + 6)], node.listen);
  expect(await again[0]!.answered).toBe(true);
  await waitFor(async () => (await heldPeers(node.admin)) === 3, 'the node holds the newcomer');
}

describe('poolshift node --max-peers', () => {
  it('legacy (the default mode, whose manager keeps no limit): the peer past the limit is refused during its handshake', async () => {
    const node = await startNode('legacy', ip(1), 3);
    await refusesPastTheLimit(node, 10);
  });

  it('unified: refused during the handshake too, not taken and dropped by the manager after our Hello', async () => {
    const node = await startNode('unified', ip(3), 3);
    await refusesPastTheLimit(node, 30);
  });

  it('shadow: the same refusal, and the shadow report shows no unexpected divergence after it', async () => {
    const node = await startNode('shadow', ip(2), 3);
    await refusesPastTheLimit(node, 20);
    const report = async (): Promise<{ consistencyRate: number; mirrorFailures: number; outcomes: { snapshotChecks: number }; divergences: Record<string, { unexpected: number }> }> =>
      (await getJson(`http://${node.admin}/shadow`)).body as never;
    const before = (await report()).outcomes.snapshotChecks;
    // Past the persistence checks (3 at 300 ms): a peer held by one manager only would be reported by now.
    await waitFor(async () => (await report()).outcomes.snapshotChecks >= before + 5, 'five more snapshot checks ran');
    const shadow = await report();
    expect(Object.entries(shadow.divergences).filter(([, d]) => d.unexpected > 0)).toEqual([]);
    expect(shadow.mirrorFailures).toBe(0);
    expect(shadow.consistencyRate).toBe(1);
  });
});
