import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock } from '../src/contract/clock.js';
import { encodeMessage } from '../src/contract/codec.js';
import { ConnectionClosedError, SendError, SendTimeoutError } from '../src/contract/errors.js';
import { PeerConnection } from '../src/transport/peer-connection.js';

// One timer per connection bounds every pending send (src/send-queue.ts, through PeerConnection).
const SERVER_IP = '127.0.12.1';
const CLIENT_IP = '127.0.12.2';
const TIMEOUT = 5000;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A PeerConnection over a bare client ws, to a ws server that reads nothing while `stalled`:
 * the test holds the ws underneath, to close it behind the connection's back.
 */
async function stalledPeer(stalled = true): Promise<{ connection: PeerConnection; ws: WebSocket; clock: ManualClock }> {
  const server = new WebSocketServer({ host: SERVER_IP, port: 0 });
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (peer) => {
    cleanup.push(() => peer.terminate());
    if (stalled) (peer as unknown as { _socket: Socket })._socket.pause();
  });
  const { port } = server.address() as { port: number };
  const ws = new WebSocket(`ws://${SERVER_IP}:${port}`, { localAddress: CLIENT_IP, perMessageDeflate: false });
  ws.on('error', () => undefined);
  cleanup.push(() => ws.terminate());
  await new Promise((resolve) => ws.once('open', resolve));
  const clock = new ManualClock();
  const connection = new PeerConnection(ws, { ip: SERVER_IP, port }, { clock, sendTimeoutMs: TIMEOUT, highWaterMark: Infinity });
  return { connection, ws, clock };
}

const blob = (bytes: number): string => encodeMessage({ type: 'Custom', kind: 'blob', data: 'x'.repeat(bytes) });

/** A send's outcome as it stands now: 'pending' until it settles. */
function track(send: Promise<void>): { readonly outcome: unknown } {
  const state: { outcome: unknown } = { outcome: 'pending' };
  send.then(
    () => (state.outcome = 'sent'),
    (err: unknown) => (state.outcome = err),
  );
  return state;
}

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

/** Past the deadline of `sends`: the last has timed out, each either went out or timed out, no timer is left. */
async function expectTimedOutAtDeadline(connection: { resources(): { timers: number } }, clock: ManualClock, sends: { readonly outcome: unknown }[]): Promise<void> {
  clock.advance(TIMEOUT);
  await turn();
  expect(sends.at(-1)!.outcome).toBeInstanceOf(SendTimeoutError);
  for (const s of sends) expect(s.outcome === 'sent' || s.outcome instanceof SendTimeoutError).toBe(true);
  expect(connection.resources().timers).toBe(0);
}

describe('send deadlines', () => {
  it('bounds any number of pending sends with one timer', async () => {
    const { connection, clock } = await stalledPeer();
    const sends = Array.from({ length: 40 }, () => track(connection.sendEncoded(blob(1024 * 1024))));
    await turn();
    expect(connection.resources().timers).toBe(1);
    await expectTimedOutAtDeadline(connection, clock, sends);
  });

  it('times out each send at its own deadline, not at the oldest one', async () => {
    const { connection, clock } = await stalledPeer();
    const early = Array.from({ length: 6 }, () => track(connection.sendEncoded(blob(8 * 1024 * 1024))));
    await turn();
    clock.advance(3000);
    // Queued behind the unflushed early sends: none of these can be flushed before them.
    const late = Array.from({ length: 2 }, () => track(connection.sendEncoded(blob(1024))));
    clock.advance(TIMEOUT - 3000);
    await turn();
    expect(early.at(-1)!.outcome).toBeInstanceOf(SendTimeoutError);
    expect(late.map((s) => s.outcome)).toEqual(['pending', 'pending']);
    expect(connection.resources().timers).toBe(1);
    clock.advance(2999);
    await turn();
    expect(late.map((s) => s.outcome)).toEqual(['pending', 'pending']);
    clock.advance(1);
    await turn();
    for (const s of late) expect(s.outcome).toBeInstanceOf(SendTimeoutError);
    expect(connection.resources().timers).toBe(0);
  });

  it('still times out older sends when a newer one settles first', async () => {
    const { connection, ws, clock } = await stalledPeer();
    const older = Array.from({ length: 6 }, () => track(connection.sendEncoded(blob(8 * 1024 * 1024))));
    await turn();
    // ws is closing underneath: it fails the next send at once, ahead of the unflushed ones.
    ws.close(1000);
    const newer = track(connection.sendEncoded(blob(16)));
    await turn();
    expect(newer.outcome).toBeInstanceOf(SendError);
    expect(older.at(-1)!.outcome).toBe('pending');
    await expectTimedOutAtDeadline(connection, clock, older);
  });

  it('leaves a settled send alone: the timer fires once, finds nothing due, and is gone', async () => {
    const { connection, clock } = await stalledPeer(false);
    const send = track(connection.sendEncoded(blob(16)));
    await turn();
    expect(send.outcome).toBe('sent');
    expect(connection.resources().timers).toBe(1);
    clock.advance(TIMEOUT);
    expect(send.outcome).toBe('sent');
    expect(connection.resources().timers).toBe(0);
  });

  it('rejects the pending sends with ConnectionClosedError on close, and clears the timer', async () => {
    const { connection, clock } = await stalledPeer();
    const sends = Array.from({ length: 6 }, () => track(connection.sendEncoded(blob(8 * 1024 * 1024))));
    await turn();
    const closed = new Promise((resolve) => connection.on('close', resolve));
    connection.terminate();
    await closed;
    await turn();
    expect(sends.at(-1)!.outcome).toBeInstanceOf(ConnectionClosedError);
    expect(connection.resources()).toEqual({ timers: 0, socketListeners: 0 });
    expect(clock.pending).toBe(0);
  });
});
