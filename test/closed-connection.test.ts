import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock, TimerSet } from '../src/contract/clock.js';
import { ConnectionLink } from '../src/dual/connection-view.js';
import { ConnectionClosedError } from '../src/contract/errors.js';
import { PeerConnection } from '../src/transport/peer-connection.js';

// What a stale reference to a closed connection keeps alive (legacy's L4 keeps such references).
const SERVER_IP = '127.0.12.3';
const CLIENT_IP = '127.0.12.4';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(): Promise<number> {
  const server = new WebSocketServer({ host: SERVER_IP, port: 0 });
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  server.on('connection', (peer) => cleanup.push(() => peer.terminate()));
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as { port: number }).port;
}

/**
 * A PeerConnection over a client ws; only a WeakRef to the ws leaves this function. No closure
 * made here outlives it: closures share their function's context, so one would keep the ws.
 */
async function open(): Promise<{ connection: PeerConnection; socket: WeakRef<WebSocket> }> {
  const port = await serve();
  const ws = new WebSocket(`ws://${SERVER_IP}:${port}`, { localAddress: CLIENT_IP, perMessageDeflate: false });
  ws.on('error', () => undefined);
  await new Promise((resolve) => ws.once('open', resolve));
  return { connection: new PeerConnection(ws, { ip: SERVER_IP, port }, { clock: new ManualClock() }), socket: new WeakRef(ws) };
}

/** Collects until `ref` is gone or 50 rounds have passed (Node lets go of a closed socket within a few turns). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 50 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  return ref.deref() === undefined;
}

describe('a closed connection', () => {
  it('lets go of its socket, and still answers as a closed connection', async () => {
    const { connection, socket } = await open();
    const closed = new Promise((resolve) => connection.on('close', resolve));
    connection.terminate();
    await closed;
    expect(await collected(socket)).toBe(true);
    expect(connection.isOpen).toBe(false);
    expect(connection.bufferedAmount).toBe(0);
    expect(connection.remoteIp).toBe(SERVER_IP);
    expect(connection.id).toBeGreaterThan(0);
    expect(connection.resources()).toEqual({ timers: 0, socketListeners: 0 });
    await expect(connection.sendEncoded('{}')).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(connection.ping()).rejects.toBeInstanceOf(ConnectionClosedError);
    connection.close('removed'); // no-ops, no throw
    connection.terminate();
  });

  it('held only through a view of its link, keeps neither the socket nor the muted frames', async () => {
    const { connection, socket } = await open();
    const live = { side: 'legacy' as const };
    const link = new ConnectionLink(connection, { ip: SERVER_IP, port: 1, version: '1', direction: 'outbound', nodeId: 'n' }, SERVER_IP, {
      live,
      timers: new TimerSet(new ManualClock()),
      mutedPingTimeoutMs: 1000,
      onClosed: () => undefined,
    });
    const view = link.view('unified'); // the muted side, as a stale manager would hold it
    view.on('close', () => undefined);
    await view.sendEncoded('{"type":"GetPeerList"}');
    expect(view.muted.recent).toHaveLength(1);
    const closed = new Promise((resolve) => view.on('close', resolve));
    connection.terminate();
    await closed;
    expect(await collected(socket)).toBe(true);
    expect(view.muted).toMatchObject({ sends: 1, recent: [] });
    expect(view.isOpen).toBe(false);
    expect(view.remoteIp).toBe(SERVER_IP);
    await expect(view.sendEncoded('{}')).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
