/**
 * Soak peers in a child process: one WebSocket per loopback IP given, each speaking the Hello
 * and recording the sequence numbers of what the node sends it. A peer whose connection closes
 * (churn from either side) reconnects after a short random delay until told to stop.
 * Told so, a peer goes silent (its socket open, nothing sent, nothing read, so no pong either)
 * for a while, or restarts with changed info (another version and listen port) on a second
 * socket while its old one stays open, and closes the old one a little later, or begins a close and
 * stalls in it (hang-closing).
 * Started by soak-runner: `node soak-peer.js '<config json>'` with an IPC channel (`--import tsx`
 * and soak-peer.ts when the runner runs from sources).
 */
import { pino } from 'pino';
import { WebSocket } from 'ws';
import type { PeerConnection } from '../transport/peer-connection.js';
import { PeerListener } from '../transport/peer-listener.js';

export interface SoakPeerConfig {
  readonly target: string;
  readonly network: string;
  readonly ips: readonly string[];
  /** ms between opening one peer's socket and the next at start (the node caps pending handshakes). */
  readonly staggerMs: number;
}

export type SoakPeerCommand =
  | { cmd: 'close'; ip: string }
  /** Stop reading (no frame, no pong) and sending for `ms`, the socket left open; then read on. */
  | { cmd: 'silent'; ip: string; ms: number }
  /** Connect again with this version and listen port while the old socket stays open; close the old one `holdMs` later. */
  | { cmd: 'replace'; ip: string; version: string; listenPort: number; holdMs: number }
  /**
   * Send a close frame, then read nothing for `ms` (the node's reply and its FIN unread): the
   * node's socket is closing, not closed, so its managers still hold the peer and every send to
   * it fails on the wire. A process that stalls in its shutdown looks so (the rehearsal's hang-closing).
   */
  | { cmd: 'hang-closing'; ip: string; ms: number }
  /**
   * The simultaneous dial: listen on the peer's address, announce that port, and (`redial`) drop
   * the socket to the node and dial again at once, while the node dials the port it is told (the
   * `crossing` event). Both dials meet; the node keeps one, and the peer keeps whatever it is left.
   * Without `redial`, the node dials a peer whose own connection to it is open and stays so: the
   * node's dial is the duplicate, and its connect must resolve with the connection it already held.
   */
  | { cmd: 'cross-dial'; ip: string; redial: boolean }
  | { cmd: 'talk'; ip: string }
  | { cmd: 'stop' }
  /** `drain`: the received sequence numbers are handed over and forgotten (bounded memory on both sides). */
  | { cmd: 'report'; drain?: boolean };

export interface SoakPeerReport {
  /** ip -> sequence numbers received from the node (accounted sends). */
  readonly received: Record<string, number[]>;
  readonly broadcastsReceived: number;
  readonly connects: number;
  readonly open: number;
  /** Silences begun, and replacements whose new socket was accepted while the old was open. */
  readonly silences: number;
  readonly replacements: number;
  /** Closes begun and then stalled (hang-closing). */
  readonly hangs: number;
  /** Connections the node dialled to a peer's listener (cross-dials) the peer accepted. */
  readonly dialsAccepted: number;
}

export type SoakPeerEvent =
  | { event: 'ready' }
  | { event: 'stopped' }
  | { event: 'report'; report: SoakPeerReport }
  /** A cross-dial's peer listens on `port` and is dialling the node again now. */
  | { event: 'crossing'; ip: string; port: number };

interface Peer {
  readonly ip: string;
  ws: WebSocket | undefined;
  ready: boolean;
  silent: boolean;
  version: string;
  listenPort: number;
  /** Old sockets a replacement left open, until they close. */
  readonly retired: Set<WebSocket>;
  /** Its listener, made at its first cross-dial, and the node's connections to it. */
  listener: PeerListener | undefined;
  readonly dialledIn: Set<PeerConnection>;
}

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as SoakPeerConfig;
  let received: Record<string, number[]> = {};
  const peers = new Map<string, Peer>();
  let broadcastsReceived = 0;
  let connects = 0;
  let silences = 0;
  let replacements = 0;
  let hangs = 0;
  let dialsAccepted = 0;
  let stopping = false;
  const send = (e: SoakPeerEvent): void => void process.send?.(e);

  /** `replacing`: the socket being replaced, left open (retired) once this one is accepted. */
  const open = (peer: Peer, replacing?: WebSocket): void => {
    if (stopping) return;
    const ws = new WebSocket(`ws://${config.target}`, { localAddress: peer.ip, perMessageDeflate: false });
    if (!replacing) {
      peer.ws = ws;
      peer.ready = false;
    }
    let hello = false;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'Hello', network: config.network, nodeId: `soak-${peer.ip}`, version: peer.version, listenPort: peer.listenPort }));
    });
    ws.on('message', (data) => {
      if (!hello) {
        hello = true;
        connects++;
        if (replacing) {
          if (peer.ws === replacing && !stopping) {
            peer.retired.add(replacing);
            replacements++;
          } else {
            // The old socket closed meanwhile (and its successor is on its way): not a replacement.
            ws.close(1000, 'superseded');
            return;
          }
        }
        peer.ws = ws;
        peer.ready = true;
        return;
      }
      // Counted in any state, closing included: a message the node flushed before the close frame was delivered.
      record(peer.ip, JSON.parse(String(data)) as { type: string });
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      // A retired socket (replaced by a newer one) is not reopened; nor is a replacement refused.
      if (peer.retired.delete(ws) || (replacing && !hello)) return;
      if (peer.ws !== ws) return;
      peer.ready = false;
      peer.ws = undefined;
      if (!stopping) setTimeout(() => open(peer), 200 + Math.floor(Math.random() * 400));
    });
  };

  /** A node's frame, on whichever connection it came: accounted sends by sequence number. */
  const record = (ip: string, msg: { type: string; kind?: string; data?: { seq?: number } }): void => {
    if (msg.type !== 'Custom') return;
    if (msg.kind === 'soak' && typeof msg.data?.seq === 'number') (received[ip] ??= []).push(msg.data.seq);
    else if (msg.kind === 'soak-broadcast') broadcastsReceived++;
  };

  /** A listener per cross-dial: its Hello carries the peer's version now (a replacement may have changed it). */
  const listen = async (peer: Peer): Promise<number> => {
    void peer.listener?.close();
    const quiet = pino({ level: 'silent' });
    const listener = new PeerListener({
      host: peer.ip,
      port: 0,
      identity: { network: config.network, nodeId: `soak-${peer.ip}`, version: peer.version, listenPort: 0 },
      logger: quiet,
      connection: { logger: quiet },
    });
    peer.listener = listener;
    listener.on('peer', (connection) => {
      dialsAccepted++;
      peer.dialledIn.add(connection);
      connection.on('message', (m) => record(peer.ip, m as { type: string }));
      connection.on('close', () => peer.dialledIn.delete(connection));
    });
    return (await listener.listen()).port;
  };

  /** Paused, ws reads nothing from the socket for `ms`: no frame is handled and no ping answered. */
  const holdSilent = (p: Peer, ws: WebSocket, ms: number): void => {
    p.silent = true;
    ws.pause();
    setTimeout(() => {
      p.silent = false;
      ws.resume();
    }, ms);
  };

  process.on('message', (c: SoakPeerCommand) => {
    if (c.cmd === 'close') {
      const p = peers.get(c.ip);
      if (p?.ws && p.ready && !p.silent) p.ws.close(1000, 'churn');
    } else if (c.cmd === 'silent') {
      const p = peers.get(c.ip);
      const ws = p?.ws;
      if (!p || !ws || !p.ready || p.silent) return;
      silences++;
      holdSilent(p, ws, c.ms);
    } else if (c.cmd === 'replace') {
      const p = peers.get(c.ip);
      const old = p?.ws;
      if (!p || !old || !p.ready || p.silent) return;
      p.version = c.version;
      p.listenPort = c.listenPort;
      open(p, old);
      setTimeout(() => {
        if (p.retired.has(old)) old.close(1000, 'restarted');
      }, c.holdMs);
    } else if (c.cmd === 'hang-closing') {
      const p = peers.get(c.ip);
      const ws = p?.ws;
      if (!p || !ws || !p.ready || p.silent) return;
      // Marked silent so that no other command touches it; its close then reopens it as any close does.
      hangs++;
      ws.close(1000, 'hang-closing');
      holdSilent(p, ws, c.ms);
    } else if (c.cmd === 'cross-dial') {
      const p = peers.get(c.ip);
      const old = p?.ws;
      if (!p || !old || !p.ready || p.silent) return;
      void listen(p).then(
        (port) => {
          if (stopping || p.ws !== old) return;
          // The node learns the port from the new Hello as well: both connections carry the same address.
          p.listenPort = port;
          send({ event: 'crossing', ip: p.ip, port });
          if (!c.redial) return;
          // Dropped and dialled again at once, not after the reconnect delay.
          p.ws = undefined;
          p.ready = false;
          old.close(1000, 'redial');
          open(p);
        },
        () => undefined,
      );
    } else if (c.cmd === 'talk') {
      const p = peers.get(c.ip);
      if (p?.ws && p.ready && !p.silent) p.ws.send(JSON.stringify({ type: 'BlockVote', height: 1, hash: 'h', voter: p.ip, approve: true }));
    } else if (c.cmd === 'report') {
      let openCount = 0;
      for (const p of peers.values()) if (p.ready) openCount++;
      send({ event: 'report', report: { received, broadcastsReceived, connects, open: openCount, silences, replacements, hangs, dialsAccepted } });
      if (c.drain) received = {};
    } else if (c.cmd === 'stop') {
      stopping = true;
      for (const p of peers.values()) {
        // A silent peer reads again: the close handshake needs it.
        if (p.ws?.isPaused) p.ws.resume();
        p.ws?.close(1001, 'shutdown');
        for (const old of p.retired) old.close(1001, 'shutdown');
        for (const inbound of p.dialledIn) inbound.close('shutdown');
        void p.listener?.close();
      }
      const done = (): void => {
        if ([...peers.values()].some((p) => p.ws || p.retired.size > 0 || p.dialledIn.size > 0)) setTimeout(done, 20);
        else send({ event: 'stopped' });
      };
      done();
    }
  });
  process.on('disconnect', () => process.exit(0));

  config.ips.forEach((ip, i) => {
    const peer: Peer = { ip, ws: undefined, ready: false, silent: false, version: '1.0.0', listenPort: 0, retired: new Set(), listener: undefined, dialledIn: new Set() };
    peers.set(ip, peer);
    setTimeout(() => open(peer), i * config.staggerMs);
  });
  send({ event: 'ready' });
}

main();
