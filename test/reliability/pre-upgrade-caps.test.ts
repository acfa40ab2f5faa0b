/**
 * Descriptors before the upgrade: slowloris clients (raw TCP sockets that dribble their upgrade
 * request one byte at a time) never reach the per-IP rate or the handshake caps, which act after
 * the upgrade. The listener counts TCP sockets as they are accepted: at most 8 not yet upgraded
 * per IP, at most maxInboundSockets open in all, and a socket not upgraded within the deadline is
 * destroyed. The listener's clock is a ManualClock: only the test moves the deadline.
 * Addresses: 127.0.83.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { LIMIT_DEFAULTS } from '../../src/limits/limit-defaults.js';
import { waitFor } from '../helpers/wait.js';
import { startGuardedNode, type GuardedNode } from './helpers/guarded-node.js';
import { rawPeer, type RawPeer } from './helpers/raw-peer.js';
import { rawSocket } from './helpers/raw-socket.js';
import { slowloris, type Slowloris } from './helpers/slowloris.js';

const NODE_IP = '127.0.83.200';
const HONEST = '127.0.83.100';
const attackers = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.83.${i + 1}`);

let node: GuardedNode | undefined;
const floods: Slowloris[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const f of floods.splice(0)) f.stop();
  for (const p of peers.splice(0)) p.ws.terminate();
  await node?.close();
  node = undefined;
});

async function flood(sources: readonly string[], perSource: number): Promise<Slowloris> {
  const f = await slowloris(sources, perSource, node!.host, node!.port, { byteEveryMs: 500 });
  floods.push(f);
  return f;
}

describe('the listener before the upgrade', () => {
  it('holds 8 slowloris sockets per IP at the defaults: 300 from ten IPs leave 80 open, and an honest peer completes its handshake', async () => {
    const clock = new ManualClock();
    node = await startGuardedNode({ host: NODE_IP, listenerClock: clock });
    const perIp = LIMIT_DEFAULTS.maxPreUpgradeSocketsPerIp;
    const f = await flood(attackers(10), 30);
    await waitFor(() => f.closed() === 300 - 10 * perIp, 'the sockets past each IP cap destroyed');
    expect(node.listener.sockets()).toEqual({ open: 10 * perIp, preUpgrade: 10 * perIp });
    expect(Object.values(f.openBy())).toEqual(Array.from({ length: 10 }, () => perIp));
    expect(node.listener.refusals()).toEqual({ 'socket-cap-ip': 300 - 10 * perIp });

    // One IP past its cap is cut, while another IP connects and says Hello.
    const [more, honest] = await Promise.all([flood(['127.0.83.1'], 5), rawPeer(HONEST, node.address, { hello: true })]);
    peers.push(honest);
    expect(await honest.answered).toBe(true);
    await waitFor(() => more.closed() === 5, 'the IP at its cap is cut');
    expect(node.listener.sockets()).toEqual({ open: 10 * perIp + 1, preUpgrade: 10 * perIp });
    expect(node.listener.refusals()).toEqual({ 'socket-cap-ip': 300 - 10 * perIp + 5 });
  });

  it('holds maxInboundSockets in all; past it a socket is destroyed as accepted, and the deadline frees the slots', async () => {
    const clock = new ManualClock();
    node = await startGuardedNode({ host: NODE_IP, listenerClock: clock, upgradeTimeoutMs: 5000, listener: { maxInboundSockets: 16 } });
    const f = await flood(attackers(4), 6);
    await waitFor(() => f.closed() === 8, 'the sockets past the total destroyed');
    expect(node.listener.sockets()).toEqual({ open: 16, preUpgrade: 16 });

    // While the total is full, an honest peer does not get in either: the cap bounds descriptors.
    const shut = await rawPeer(HONEST, node.address, { hello: true });
    peers.push(shut);
    expect(await shut.answered).toBe(false);
    expect(node.listener.refusals()).toEqual({ 'socket-cap': 9 });

    clock.advance(4999);
    expect(node.listener.sockets().preUpgrade).toBe(16);
    clock.advance(1);
    await waitFor(() => f.closed() === 24, 'the slowloris sockets destroyed at the deadline');
    await waitFor(() => node!.listener.sockets().open === 0, 'their slots given back');
    expect(node.listener.refusals()).toEqual({ 'socket-cap': 9, 'upgrade-timeout': 16 });

    const honest = await rawPeer(HONEST, node.address, { hello: true });
    peers.push(honest);
    expect(await honest.answered).toBe(true);
    // Upgraded, it still counts towards the total (a descriptor), no longer before the upgrade.
    expect(node.listener.sockets()).toEqual({ open: 1, preUpgrade: 0 });
  });

  it('destroys a socket that never finishes its headers at the deadline, not one that upgraded in time; close() clears the rest', async () => {
    const clock = new ManualClock();
    node = await startGuardedNode({ host: NODE_IP, listenerClock: clock, upgradeTimeoutMs: 5000, handshakeTimeoutMs: 60_000 });
    const slow = await flood(['127.0.83.30'], 1);
    const upgraded = await rawSocket('127.0.83.31', node.host, node.port);
    expect(node.listener.sockets()).toEqual({ open: 2, preUpgrade: 1 });
    clock.advance(5000);
    await waitFor(() => slow.closed() === 1, 'the slow socket destroyed');
    expect(node.listener.refusals()).toEqual({ 'upgrade-timeout': 1 });
    expect(upgraded.socket.destroyed).toBe(false);
    expect(upgraded.closeCode()).toBeUndefined();

    const late = await flood(['127.0.83.32', '127.0.83.33'], 2);
    await waitFor(() => node!.listener.sockets().preUpgrade === 4, 'four more slow sockets counted');
    await node.listener.close();
    await waitFor(() => late.closed() === 4, 'close() destroyed the sockets not upgraded');
    // Every deadline cleared (and the upgraded socket's handshake aborted).
    expect(clock.pending).toBe(0);
    upgraded.socket.destroy();
  });
});
