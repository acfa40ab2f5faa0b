/**
 * What a refusal costs the listener: a refused or timed-out socket whose peer never answers our
 * close frame is terminated after the refusal grace (1 s) instead of holding its socket for ws's
 * 30 s close timeout. The clients are bare TCP sockets that read everything and answer nothing.
 * Addresses: 127.0.55.x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import type { DisconnectReason } from '../../src/contract/types.js';
import { IpFilter } from '../../src/limits/ip-filter.js';
import { CLOSE_CODES, CLOSE_POLICY } from '../../src/transport/close-codes.js';
import { PeerListener, type PeerListenerOptions } from '../../src/transport/peer-listener.js';
import { TRANSPORT_DEFAULTS } from '../../src/transport/transport-defaults.js';
import { TEST_NETWORK } from '../helpers/test-node.js';
import { waitFor } from '../helpers/wait.js';
import { helloFrame, rawPeer } from './helpers/raw-peer.js';
import { clientFrame, rawSocket, within, type RawSocket } from './helpers/raw-socket.js';

const HOST = '127.0.55.1';
const RAW = '127.0.55.10';
const OTHER = '127.0.55.11';
const TEXT = 0x1;
/** Generous: the bound is 1 s; ws's own close timeout, what a refusal waited for before, is 30 s. */
const GONE_WITHIN_MS = 5000;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listen(options: Partial<PeerListenerOptions> = {}): Promise<{ listener: PeerListener; port: number }> {
  const listener = new PeerListener({ host: HOST, port: 0, identity: { network: TEST_NETWORK, nodeId: 'refuser', version: '1.0.0', listenPort: 0 }, ...options });
  const { port } = await listener.listen();
  cleanup.push(() => listener.close());
  return { listener, port };
}

async function raw(from: string, port: number): Promise<RawSocket> {
  const s = await rawSocket(from, HOST, port);
  cleanup.push(() => s.socket.destroy());
  return s;
}

/** A pending handshake that holds its slot: a ws client that never says Hello. */
async function silentPeer(from: string, port: number): Promise<void> {
  const p = await rawPeer(from, `${HOST}:${port}`);
  cleanup.push(() => p.ws.terminate());
}

/** A raw socket from RAW that sends one text frame. */
async function sending(port: number, text: string): Promise<RawSocket> {
  const s = await raw(RAW, port);
  s.write(clientFrame(TEXT, Buffer.from(text)));
  return s;
}

/** A raw socket from RAW once `holder` keeps a handshake pending (the slot a limit counts). */
async function afterHolder(holder: string, port: number): Promise<RawSocket> {
  await silentPeer(holder, port);
  return raw(RAW, port);
}

interface Refusal {
  readonly name: string;
  readonly code: number;
  readonly options?: Partial<PeerListenerOptions>;
  /** Handshakes left pending: the slot-holder a limit needs. */
  readonly holders?: number;
  /** Makes the refusal happen; resolves with the refused socket. */
  provoke(port: number): Promise<RawSocket>;
}

const refusals: Refusal[] = [
  {
    name: 'bad Hello (not JSON)',
    code: CLOSE_POLICY,
    provoke: (port) => sending(port, 'GET / HTTP/1.0'),
  },
  {
    name: 'wrong network',
    code: CLOSE_POLICY,
    provoke: (port) => sending(port, helloFrame('raw', 'another-network')),
  },
  {
    name: 'handshake timeout',
    code: CLOSE_POLICY,
    options: { handshakeTimeoutMs: 200 },
    provoke: (port) => raw(RAW, port),
  },
  {
    name: 'banned',
    code: CLOSE_CODES.banned,
    options: { admission: { ipFilter: new IpFilter({ deny: [RAW] }) } },
    provoke: (port) => raw(RAW, port),
  },
  {
    name: 'rate-limited',
    code: CLOSE_CODES['too-many-peers'],
    options: { admission: { connectionsPerIpPerSecond: 1 } },
    holders: 1,
    provoke: (port) => afterHolder(RAW, port),
  },
  {
    name: 'handshake-cap',
    code: CLOSE_CODES['too-many-peers'],
    options: { admission: { maxPendingHandshakes: 1 } },
    holders: 1,
    provoke: (port) => afterHolder(OTHER, port),
  },
  {
    name: 'too-many-peers (the pool refuses after the Hello)',
    code: CLOSE_CODES['too-many-peers'],
    options: { admission: { admit: (): DisconnectReason => 'too-many-peers' } },
    provoke: (port) => sending(port, helloFrame('raw')),
  },
];

describe('a refused socket whose peer never answers the close frame', () => {
  it.each(refusals)('$name: closed with its code, then the socket is ended within the refusal grace', async ({ code, options, holders = 0, provoke }) => {
    const { listener, port } = await listen(options);
    const s = await provoke(port);
    expect(await s.closeFrame).toBe(code);
    // The peer does not answer: before the grace, ws would hold the socket for 30 s.
    expect(await within(s.gone, GONE_WITHIN_MS)).toBe(true);
    await waitFor(() => listener.closingSockets === 0, 'nothing left closing');
    expect(listener.stats().pendingHandshakes).toBe(holders);
  });

  it('is terminated when the listener clock passes the grace, not before', async () => {
    const clock = new ManualClock();
    const { listener, port } = await listen({ clock });
    const s = await raw(RAW, port);
    s.write(clientFrame(TEXT, Buffer.from('nope')));
    expect(await s.closeFrame).toBe(CLOSE_POLICY);
    await waitFor(() => listener.refusals().garbage === 1, 'refused');
    expect(listener.closingSockets).toBe(1);
    expect(clock.pending).toBe(1); // the grace timer; the handshake's own was cleared
    clock.advance(TRANSPORT_DEFAULTS.refusalGraceMs - 1);
    expect(listener.closingSockets).toBe(1);
    clock.advance(1);
    expect(listener.closingSockets).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await within(s.gone, GONE_WITHIN_MS)).toBe(true);
  });

  it('is terminated by the listener\'s close(), its timer cleared', async () => {
    const clock = new ManualClock();
    const { listener, port } = await listen({ clock });
    const s = await raw(RAW, port);
    s.write(clientFrame(TEXT, Buffer.from('nope')));
    expect(await s.closeFrame).toBe(CLOSE_POLICY);
    await waitFor(() => listener.closingSockets === 1, 'refused and closing');
    await listener.close();
    expect(listener.closingSockets).toBe(0);
    expect(clock.pending).toBe(0);
    expect(await within(s.gone, GONE_WITHIN_MS)).toBe(true);
  });

  it('an honest client answers the close frame: nothing is terminated, no timer is left', async () => {
    const clock = new ManualClock();
    const { listener, port } = await listen({ clock });
    const p = await rawPeer(RAW, `${HOST}:${port}`);
    cleanup.push(() => p.ws.terminate());
    p.ws.send('nope');
    expect(await p.closed).toEqual([CLOSE_POLICY, 'handshake: garbage']);
    await waitFor(() => listener.closingSockets === 0, 'the closing handshake completed');
    expect(clock.pending).toBe(0);
  });
});
