/**
 * Whatever bytes a peer sends: the codec and the handshake throw only their typed error, never
 * crash; over real sockets the sender is closed with a reason (1008 before the Hello, 1002 after,
 * 1009 when oversized) and the other peers are untouched. Addresses: 127.0.53.x.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeMessage, MAX_FRAME_BYTES } from '../../src/contract/codec.js';
import { HandshakeError, ProtocolError } from '../../src/contract/errors.js';
import { parseHello } from '../../src/transport/handshake.js';
import { spawnPeer, stopAllPeers, type RemotePeer } from '../helpers/remote-peer.js';
import { MANAGER_KINDS, startNode, TEST_NETWORK, type TestNode } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { rawPeer } from './helpers/raw-peer.js';

/** Frames a hostile peer might send: random bytes, random text, JSON of any shape, near-messages. */
const frame = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  fc.uint8Array({ maxLength: 512 }).map((b) => ({ data: Buffer.from(b), binary: false })),
  fc.string({ maxLength: 256 }).map((s) => ({ data: Buffer.from(s), binary: false })),
  fc.jsonValue().map((v) => ({ data: Buffer.from(JSON.stringify(v) ?? 'null'), binary: false })),
  fc
    .record({ type: fc.constantFrom('BlockProposal', 'BlockVote', 'PeerList', 'Custom', 'Hello', 'Nope'), rest: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue()) })
    .map(({ type, rest }) => ({ data: Buffer.from(JSON.stringify({ ...rest, type })), binary: false })),
);

describe('the codec and the handshake parser take arbitrary bytes', () => {
  it('decodeMessage returns a message or throws ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(frame, ({ data, binary }) => {
        try {
          decodeMessage(data, binary);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parseHello returns a Hello or throws HandshakeError, nothing else', () => {
    fc.assert(
      fc.property(frame, ({ data, binary }) => {
        try {
          parseHello(data, binary);
        } catch (err) {
          expect(err).toBeInstanceOf(HandshakeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(MANAGER_KINDS.map((kind, i) => ({ kind, block: i * 100 })))('hostile peers over real sockets: $kind', ({ kind, block }) => {
  const ip = (n: number) => `127.0.53.${block + n}`;
  let node: TestNode;
  let honest: RemotePeer;
  let seq = 0;
  let run = 0;
  /** A fresh source IP per connection: the per-IP rate limit is not what these tests probe. */
  const nextIp = () => ip(3 + (run++ % 90));

  beforeAll(async () => {
    node = await startNode({ kind, host: ip(1) });
    honest = await spawnPeer({ host: ip(2), network: TEST_NETWORK, nodeId: `honest-${kind}` });
    await honest.dial(node.address);
    await waitFor(async () => (await node.pool.getConnectedPeers()).length === 1, 'honest peer held');
  });
  afterAll(async () => {
    await node.close();
    await stopAllPeers();
  });

  /** The honest peer still holds and still receives. */
  async function honestUntouched(): Promise<void> {
    const n = ++seq;
    await node.pool.sendToPeer(ip(2), { type: 'Custom', kind: 'probe', data: n });
    await honest.waitForReceived(n, 3000);
  }

  it('arbitrary frames after the Hello: a message, or closed 1002 with the fault', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async ({ data, binary }) => {
        const p = await rawPeer(nextIp(), node.address, { hello: true, nodeId: 'hostile' });
        try {
          expect(await p.answered).toBe(true);
          p.ws.send(data, { binary });
          let valid = true;
          try {
            decodeMessage(data, binary);
          } catch {
            valid = false;
          }
          if (!valid) {
            const [code, reason] = await p.closed;
            if (!binary && !isUtf8(data)) expect(code).toBe(1007);
            else {
              expect(code).toBe(1002);
              expect(reason).toMatch(/^protocol-error: /);
            }
          }
        } finally {
          p.ws.terminate();
        }
      }),
      { numRuns: 30 },
    );
    await honestUntouched();
    expect(node.pool.getPoolStats().protocolErrors).toBeGreaterThan(0);
  });

  it('arbitrary first frames instead of a Hello: refused with 1008, never held', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async ({ data, binary }) => {
        const p = await rawPeer(nextIp(), node.address);
        try {
          p.ws.send(data, { binary });
          let hello = true;
          try {
            parseHello(data, binary);
          } catch {
            hello = false;
          }
          // ws itself refuses a text frame that is not UTF-8 with 1007, before we see it.
          if (!hello) expect((await p.closed)[0]).toBe(!binary && !isUtf8(data) ? 1007 : 1008);
        } finally {
          p.ws.terminate();
        }
      }),
      { numRuns: 30 },
    );
    await honestUntouched();
  });

  it('an oversized frame is closed with 1009', async () => {
    const p = await rawPeer(nextIp(), node.address, { hello: true });
    expect(await p.answered).toBe(true);
    p.ws.send(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), { binary: false });
    expect((await p.closed)[0]).toBe(1009);
    await honestUntouched();
    expect(p.ws.readyState).toBe(WebSocket.CLOSED);
  });
});
