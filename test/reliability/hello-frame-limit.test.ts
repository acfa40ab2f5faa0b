/**
 * Before the Hello, a frame is held to the Hello's limit (1 MB) as its header arrives: a client
 * announcing a 10 MB frame is closed 1009 before it has sent the payload, so the listener never
 * buffers it. After a Hello, frames up to the message limit (10 MB) pass, including one that
 * came in the same write as the Hello. Addresses: 127.0.55.2 (listener), 127.0.55.3x (clients).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_BYTES } from '../../src/contract/codec.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import { CLOSE_TOO_BIG } from '../../src/transport/close-codes.js';
import { frameLimitSettable } from '../../src/transport/frame-limit.js';
import type { PeerConnection } from '../../src/transport/peer-connection.js';
import { PeerListener } from '../../src/transport/peer-listener.js';
import { TRANSPORT_DEFAULTS } from '../../src/transport/transport-defaults.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { helloFrame } from './helpers/raw-peer.js';
import { clientFrame, rawSocket, within, type RawSocket } from './helpers/raw-socket.js';

const HOST = '127.0.55.2';
const TEXT = 0x1;
const BINARY = 0x2;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** The listener on a ManualClock: no handshake times out unless the test says so. */
async function listen(): Promise<{ listener: PeerListener; port: number; clock: ManualClock; peers: PeerConnection[] }> {
  const clock = new ManualClock();
  const listener = new PeerListener({ host: HOST, port: 0, clock, identity: { network: TEST_NETWORK, nodeId: 'limit', version: '1.0.0', listenPort: 0 } });
  const peers: PeerConnection[] = [];
  listener.on('peer', (c) => {
    peers.push(c);
    cleanup.push(() => c.terminate());
  });
  const { port } = await listener.listen();
  cleanup.push(() => listener.close());
  return { listener, port, clock, peers };
}

async function raw(from: string, port: number, allowHalfOpen = false): Promise<RawSocket> {
  const s = await rawSocket(from, HOST, port, { allowHalfOpen });
  cleanup.push(() => s.socket.destroy());
  return s;
}

/** A 2 MB message: over the Hello's limit, under the message limit. */
const big: NetworkMessage = { type: 'Custom', kind: 'big', data: 'x'.repeat(2 * 1024 * 1024) };

/** The next message, or the close code if the connection closes first (1009: the frame was refused). */
function received(peer: PeerConnection): Promise<NetworkMessage | number> {
  return new Promise((resolve) => {
    peer.on('message', resolve);
    peer.on('close', (code) => resolve(code));
  });
}

describe('the frame limit before and after the Hello', () => {
  it('ws still keeps a socket\'s frame limit where frame-limit.ts sets it', () => {
    expect(frameLimitSettable()).toBe(true);
  });

  it('a frame announcing 10 MB before the Hello is closed 1009 before its payload is sent', async () => {
    const { listener, port } = await listen();
    const s = await raw('127.0.55.30', port);
    const sent = 64 * 1024;
    s.write(clientFrame(BINARY, Buffer.alloc(sent, 0x61), MAX_FRAME_BYTES));
    // Only 64 KiB of the 10 MB announced is ever written: the close can only come from the header.
    expect(await within(s.closeFrame, 5000)).toBe(true);
    expect(s.closeCode()).toBe(CLOSE_TOO_BIG);
    await waitFor(() => listener.refusals().garbage === 1, 'counted as a refused handshake');
    expect(listener.stats().pendingHandshakes).toBe(0);
  });

  it('just over the Hello limit is refused from its header too; a client that keeps its side open is still let go of', async () => {
    const { listener, port, clock } = await listen();
    const s = await raw('127.0.55.31', port, true);
    s.write(clientFrame(TEXT, Buffer.alloc(16, 0x61), MAX_HANDSHAKE_BYTES + 1));
    expect(await within(s.closeFrame, 5000)).toBe(true);
    expect(s.closeCode()).toBe(CLOSE_TOO_BIG);
    // The handshake ends on ws's refusal, not on a close the client never completes.
    await waitFor(() => listener.stats().pendingHandshakes === 0, 'the handshake ended');
    expect(listener.closingSockets).toBe(1);
    clock.advance(TRANSPORT_DEFAULTS.refusalGraceMs);
    expect(listener.closingSockets).toBe(0);
  });

  it('after the Hello, a 2 MB message is received', async () => {
    const { port, peers } = await listen();
    const s = await raw('127.0.55.32', port);
    s.write(clientFrame(TEXT, Buffer.from(helloFrame('big-sender'))));
    await waitFor(() => peers.length === 1, 'handshake done');
    const got = received(peers[0]!);
    s.write(clientFrame(TEXT, Buffer.from(JSON.stringify(big))));
    expect(await got).toEqual(big);
  });

  it('a 2 MB message in the same write as the Hello is received', async () => {
    const { port, peers } = await listen();
    const s = await raw('127.0.55.33', port);
    s.write(Buffer.concat([clientFrame(TEXT, Buffer.from(helloFrame('eager'))), clientFrame(TEXT, Buffer.from(JSON.stringify(big)))]));
    await waitFor(() => peers.length === 1, 'handshake done');
    expect(await received(peers[0]!)).toEqual(big);
    expect(s.closeCode()).toBeUndefined();
  });
});
