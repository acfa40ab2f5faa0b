/**
 * Soak peers in a child process: one WebSocket per loopback IP given, each speaking the Hello
 * and recording the sequence numbers of what the node sends it. A peer whose connection closes
 * (churn from either side) reconnects after a short random delay until told to stop.
 * Started by soak-runner: `node soak-peer.js '<config json>'` with an IPC channel (`--import tsx`
 * and soak-peer.ts when the runner runs from sources).
 */
import { WebSocket } from 'ws';

export interface SoakPeerConfig {
  readonly target: string;
  readonly network: string;
  readonly ips: readonly string[];
  /** ms between opening one peer's socket and the next at start (the node caps pending handshakes). */
  readonly staggerMs: number;
}

export type SoakPeerCommand =
  | { cmd: 'close'; ip: string }
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
}

export type SoakPeerEvent = { event: 'ready' } | { event: 'stopped' } | { event: 'report'; report: SoakPeerReport };

interface Peer {
  readonly ip: string;
  ws: WebSocket | undefined;
  ready: boolean;
}

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as SoakPeerConfig;
  let received: Record<string, number[]> = {};
  const peers = new Map<string, Peer>();
  let broadcastsReceived = 0;
  let connects = 0;
  let stopping = false;
  const send = (e: SoakPeerEvent): void => void process.send?.(e);

  const open = (peer: Peer): void => {
    if (stopping) return;
    const ws = new WebSocket(`ws://${config.target}`, { localAddress: peer.ip, perMessageDeflate: false });
    peer.ws = ws;
    peer.ready = false;
    let hello = false;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'Hello', network: config.network, nodeId: `soak-${peer.ip}`, version: '1.0.0', listenPort: 0 }));
    });
    ws.on('message', (data) => {
      if (!hello) {
        hello = true;
        peer.ready = true;
        connects++;
        return;
      }
      // Counted in any state, closing included: a message the node flushed before the close frame was delivered.
      const msg = JSON.parse(String(data)) as { type: string; kind?: string; data?: { seq?: number } };
      if (msg.type !== 'Custom') return;
      if (msg.kind === 'soak' && typeof msg.data?.seq === 'number') (received[peer.ip] ??= []).push(msg.data.seq);
      else if (msg.kind === 'soak-broadcast') broadcastsReceived++;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      peer.ready = false;
      if (peer.ws === ws) peer.ws = undefined;
      if (!stopping) setTimeout(() => open(peer), 200 + Math.floor(Math.random() * 400));
    });
  };

  process.on('message', (c: SoakPeerCommand) => {
    if (c.cmd === 'close') {
      const p = peers.get(c.ip);
      if (p?.ws && p.ready) p.ws.close(1000, 'churn');
    } else if (c.cmd === 'talk') {
      const p = peers.get(c.ip);
      if (p?.ws && p.ready) p.ws.send(JSON.stringify({ type: 'BlockVote', height: 1, hash: 'h', voter: p.ip, approve: true }));
    } else if (c.cmd === 'report') {
      let openCount = 0;
      for (const p of peers.values()) if (p.ready) openCount++;
      send({ event: 'report', report: { received, broadcastsReceived, connects, open: openCount } });
      if (c.drain) received = {};
    } else if (c.cmd === 'stop') {
      stopping = true;
      for (const p of peers.values()) p.ws?.close(1001, 'shutdown');
      const done = (): void => {
        if ([...peers.values()].some((p) => p.ws)) setTimeout(done, 20);
        else send({ event: 'stopped' });
      };
      done();
    }
  });
  process.on('disconnect', () => process.exit(0));

  config.ips.forEach((ip, i) => {
    const peer: Peer = { ip, ws: undefined, ready: false };
    peers.set(ip, peer);
    setTimeout(() => open(peer), i * config.staggerMs);
  });
  send({ event: 'ready' });
}

main();
