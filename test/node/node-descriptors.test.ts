/**
 * A real `poolshift node` under `ulimit -n 256`, flooded on its peer port by slowloris clients
 * (300 raw sockets from 30 addresses, each dribbling its upgrade request a byte a second). The
 * node sizes its listener's cap below its descriptor limit, so with the cap full it still answers
 * /healthz and dials its configured peer; the upgrade deadline (5 s) then frees the slots and an
 * honest peer gets in. Without the caps the flood takes every descriptor: accept fails (EMFILE)
 * on the admin port too. Addresses: 127.0.84.1x (node, far peer), 127.0.84.101-130 (flood), 127.0.84.200.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../../src/contract/types.js';
import { LIMIT_DEFAULTS } from '../../src/limits/limit-defaults.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { rawPeer, type RawPeer } from '../reliability/helpers/raw-peer.js';
import { slowloris, type Slowloris } from '../reliability/helpers/slowloris.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

const NODE_IP = '127.0.84.10';
const FAR_IP = '127.0.84.11';
const HONEST = '127.0.84.200';
const FLOOD = Array.from({ length: 30 }, (_, i) => `127.0.84.${101 + i}`);
const FD_LIMIT = 256;
const FAST = ['--keep-alive', '1s', '--stale-after', '3s', '--reaper-interval', '500ms', '--ping-timeout', '500ms', '--redial-interval', '300ms', '--snapshot-interval', '300ms'];

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function farListener(port: number): PeerListener {
  const l = new PeerListener({ host: FAR_IP, port, identity: { network: TEST_NETWORK, nodeId: 'far', version: '1.0.0', listenPort: 0 } });
  cleanup.push(() => l.close());
  return l;
}

describe('poolshift node: descriptors under a slowloris flood', () => {
  it(`under ulimit -n ${FD_LIMIT}, keeps descriptors for /healthz and its dials with the listener full; the deadline lets an honest peer in`, async () => {
    // The far peer's port, reserved now; it listens only once the flood is on.
    const reserve = farListener(0);
    const farPort = (await reserve.listen()).port;
    await reserve.close();

    const node: NodeChild = runCli(
      ['node', '--log-format', 'json', ...FAST, '--mode', 'shadow', '--network', TEST_NETWORK, '--listen', `${NODE_IP}:0`, '--admin', `${NODE_IP}:0`, '--peers', `${FAR_IP}:${farPort}`],
      {},
      { fdLimit: FD_LIMIT },
    );
    cleanup.push(async () => {
      node.kill('SIGKILL');
      await node.exited;
    });
    const started = await node.waitForLog('node started');
    const admin = String(started.admin);
    const [host, port] = String(started.listen).split(':') as [string, string];
    const sized = node.logs(/^--max-inbound-sockets lowered/)[0];
    expect(sized, 'the node read its descriptor limit').toBeDefined();
    const cap = Number(sized!.cap);
    expect(sized).toMatchObject({ softLimit: FD_LIMIT, configured: LIMIT_DEFAULTS.maxInboundSockets });
    expect(cap).toBeLessThan(FD_LIMIT - 64);
    const idleFds = readdirSync(`/proc/${node.child.pid}/fd`).length;

    const flood: Slowloris = await slowloris(FLOOD, 10, host, Number(port));
    cleanup.push(() => flood.stop());
    await waitFor(() => flood.closed() === 300 - cap, `the flood held to the cap (${cap})`, 3000);

    // The listener is full; the admin server and the dials still have descriptors.
    const health = await getJson(`http://${admin}/healthz`);
    expect(health.status).toBe(200);
    const far = farListener(farPort);
    const dialled = new Promise<PeerInfo>((resolve) => far.once('peer', (c, info) => {
      cleanup.push(() => c.terminate());
      resolve(info);
    }));
    await far.listen();
    expect((await dialled).ip).toBe(NODE_IP);
    const fullFds = readdirSync(`/proc/${node.child.pid}/fd`).length;
    // All of it happened while the flood still held the listener's cap (the deadline is 5 s).
    expect(flood.closed()).toBe(300 - cap);
    expect(fullFds, `descriptors: ${idleFds} idle, ${fullFds} with the listener full`).toBeLessThan(FD_LIMIT - 32);

    await waitFor(() => flood.closed() === 300, 'the flood destroyed at the upgrade deadline', 8000);
    const honest: RawPeer = await rawPeer(HONEST, `${host}:${port}`, { hello: true });
    cleanup.push(() => honest.ws.terminate());
    expect(await honest.answered).toBe(true);
    expect((await getJson(`http://${admin}/healthz`)).status).toBe(200);
  });
});
