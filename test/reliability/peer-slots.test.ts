/**
 * maxPeers at the listener (limits/peer-slots.ts as its admit hook): a burst of handshakes all
 * answered before any add to the pool lands never takes more than maxPeers, because a peer
 * admitted holds its slot until its add settles. Addresses: 127.0.89.40-70.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeIdentity } from '../../src/contract/connection.js';
import type { PeerInfo } from '../../src/contract/types.js';
import { PeerSlots } from '../../src/limits/peer-slots.js';
import { CLOSE_CODES } from '../../src/transport/close-codes.js';
import type { PeerConnection } from '../../src/transport/peer-connection.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { rawPeer, type RawPeer } from './helpers/raw-peer.js';

const LISTENER_IP = '127.0.89.40';
const ip = (n: number): string => `127.0.89.${41 + n}`;
const identity: NodeIdentity = { network: TEST_NETWORK, nodeId: 'slots', version: '1.0.0', listenPort: 0 };
const cleanup: Array<() => unknown> = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A listener whose peers a pool takes 50 ms to add: the window a burst could overshoot in. */
async function start(maxPeers: number): Promise<{ listener: PeerListener; slots: PeerSlots; held: Set<PeerConnection>; handedOut: () => number; target: string }> {
  const held = new Set<PeerConnection>();
  const slots = new PeerSlots({ maxPeers, held: () => held.size });
  const listener = new PeerListener({
    host: LISTENER_IP,
    port: 0,
    identity,
    // One /24 for the whole burst: the subnet's handshake cap is not what is under test.
    admission: { maxPendingHandshakesPerSubnet: 64, admit: (info: PeerInfo) => slots.admit(info) },
  });
  let handedOut = 0;
  listener.on('peer', (connection, info) => {
    handedOut++;
    cleanup.push(() => connection.terminate());
    setTimeout(() => {
      if (connection.isOpen) {
        held.add(connection);
        // A pool reads its peers: with a 'message' listener the connection flows and hears the peer leave.
        connection.on('close', () => held.delete(connection)).on('message', () => undefined);
      }
      slots.release(info);
    }, 50);
  });
  const { port } = await listener.listen();
  cleanup.push(() => listener.close());
  return { listener, slots, held, handedOut: () => handedOut, target: `${LISTENER_IP}:${port}` };
}

describe('maxPeers at the listener', () => {
  it('a burst of 24 simultaneous handshakes takes exactly maxPeers (5): the rest are refused 4004 before our Hello', async () => {
    const { listener, slots, held, handedOut, target } = await start(5);
    const burst: RawPeer[] = await Promise.all(Array.from({ length: 24 }, (_, n) => rawPeer(ip(n), target, { hello: true })));
    cleanup.push(() => burst.forEach((p) => p.ws.terminate()));
    const answered = await Promise.all(burst.map((p) => p.answered));
    expect(answered.filter(Boolean)).toHaveLength(5);
    const refused = burst.filter((_, i) => !answered[i]);
    for (const p of refused) expect(await p.closed).toEqual([CLOSE_CODES['too-many-peers'], 'too-many-peers']);
    await waitFor(() => held.size === 5 && slots.reserved === 0, 'the five admitted peers are added');
    expect(handedOut()).toBe(5);
    expect(listener.stats()).toMatchObject({ accepted: 5, refused: 19 });
    expect(slots.refused).toBe(19);

    // A held peer leaving frees one slot, for one newcomer.
    burst[answered.indexOf(true)]!.ws.close();
    await waitFor(() => held.size === 4, 'the leaving peer is let go');
    const next = await Promise.all([rawPeer(ip(25), target, { hello: true }), rawPeer(ip(26), target, { hello: true })]);
    cleanup.push(() => next.forEach((p) => p.ws.terminate()));
    expect((await Promise.all(next.map((p) => p.answered))).filter(Boolean)).toHaveLength(1);
    await waitFor(() => held.size === 5 && slots.reserved === 0, 'the newcomer is added');
  });
});
