import type { PeerNode } from './peer-node.js';
import type { DivergenceKind } from '../dual/shadow/divergence.js';
import type { KindCount } from '../dual/shadow/verifier.js';
import type { Coverage } from '../dual/shadow/coverage.js';

/**
 * The rehearsal's line to a node it spawned: over the IPC channel, only when the node was
 * started with one and with POOLSHIFT_CONTROL=ipc. The parent asks for block proposals and for
 * the node's status; the node tells it of peer changes, mode changes, and every proposal it sent
 * or received, so the parent can count what was lost or duplicated.
 */
export const CONTROL_ENV = 'POOLSHIFT_CONTROL';

export type ControlCommand =
  | { cmd: 'propose'; hash: string; height: number }
  | { cmd: 'status'; id: number }
  /** Drop the connection to `peer` (host:port) and dial it again at once (the rehearsal's cross-dial). */
  | { cmd: 'redial'; peer: string }
  /**
   * Send a close frame on every connection, then stop (SIGSTOP) before any closing handshake can
   * end: a node that hangs in the middle of its shutdown (the rehearsal's hang-closing). Its
   * peers' sockets stay closing until their close timeout, and every send to it fails meanwhile.
   */
  | { cmd: 'hang-closing' };

export interface NodeStatus {
  readonly mode: string;
  readonly peers: string[];
  /** Peers each manager holds with a connection; null where the mode holds no such manager. */
  readonly managers: { legacy: number | null; unified: number | null };
  /** The promotion gate's decision, were shadow -> live asked now. */
  readonly gate: { allowed: boolean; reason: string };
  readonly shadow: {
    readonly consistencyRate: number;
    /** Comparisons made (not sampled out). */
    readonly compared: number;
    readonly mismatched: number;
    readonly divergences: Record<DivergenceKind, KindCount>;
    /** A few unexpected divergences, for the verdict: `kind key: authoritative | shadow`. */
    readonly unexpected: string[];
  };
  /** What the node's shadow verification exercised and compared so far (`pool.report().coverage`). */
  readonly coverage: Coverage;
}

export type ControlEvent =
  | { event: 'ready'; listen: string; admin: string; mode: string; pid: number; at: number }
  /** `reason`: why the authoritative manager dropped the peer (a disconnect only), e.g. 'stale'. */
  | { event: 'peer'; kind: 'connected' | 'disconnected'; key: string; at: number; reason?: string }
  | { event: 'mode'; mode: string; at: number }
  | { event: 'traffic'; sent: [hash: string, to: string][]; received: [hash: string, from: string][] }
  | { event: 'propose-failed'; hash: string; error: string }
  | { event: 'redial-failed'; peer: string; error: string }
  | { event: 'reply'; id: number; status: NodeStatus };

const FLUSH_MS = 100;

/** Attaches the channel when the process has one and was asked to; returns its detach, or undefined. */
export function attachControlChannel(node: PeerNode): (() => void) | undefined {
  if (process.env[CONTROL_ENV] !== 'ipc' || typeof process.send !== 'function') return undefined;
  const post = (e: ControlEvent): void => {
    if (process.connected) process.send!(e);
  };
  let sent: [string, string][] = [];
  let received: [string, string][] = [];
  let mode = node.mode ?? 'legacy';
  const flush = (): void => {
    if (node.mode && node.mode !== mode) {
      mode = node.mode;
      post({ event: 'mode', mode, at: Date.now() });
    }
    if (sent.length === 0 && received.length === 0) return;
    post({ event: 'traffic', sent, received });
    sent = [];
    received = [];
  };
  const timer = setInterval(flush, FLUSH_MS);
  node.on('sent', (m, to) => void (m.type === 'BlockProposal' && sent.push([m.hash, to])));
  node.on('received', (m, from) => void (m.type === 'BlockProposal' && received.push([m.hash, from])));
  node.on('peer', ({ kind, key, reason }) => post({ event: 'peer', kind, key, at: Date.now(), ...(reason === undefined ? {} : { reason }) }));
  const onCommand = (raw: unknown): void => {
    const command = raw as ControlCommand;
    if (command.cmd === 'propose') {
      node.pool.broadcastBlockProposal({ height: command.height, hash: command.hash, proposer: node.config.nodeId }).catch((err: unknown) => {
        post({ event: 'propose-failed', hash: command.hash, error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim() });
      });
    } else if (command.cmd === 'redial') {
      void redial(node, command.peer).catch((err: unknown) => {
        post({ event: 'redial-failed', peer: command.peer, error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim() });
      });
    } else if (command.cmd === 'hang-closing') {
      for (const link of node.pool.links()) link.closeReal('shutdown');
      // At once, not on a later turn: the peers' answers must not be read before the stop.
      process.kill(process.pid, 'SIGSTOP');
    } else if (command.cmd === 'status') {
      void status(node).then((s) => post({ event: 'reply', id: command.id, status: s }));
    }
  };
  process.on('message', onCommand);
  const l = node.listenAddress!;
  const a = node.adminAddress!;
  post({ event: 'ready', listen: `${l.host}:${l.port}`, admin: `${a.host}:${a.port}`, mode, pid: process.pid, at: Date.now() });
  // Peers the node took while starting, before this channel existed: report them after 'ready'.
  for (const entry of node.pool.snapshot().entries) {
    if (entry.connected) post({ event: 'peer', kind: 'connected', key: entry.key, at: Date.now() });
  }
  return () => {
    clearInterval(timer);
    flush();
    process.off('message', onCommand);
    if (process.connected) process.disconnect();
  };
}

/** Drops the peer at `peer` (host:port), then dials it: no wait between, so two nodes doing it to each other cross. */
async function redial(node: PeerNode, peer: string): Promise<void> {
  const host = peer.slice(0, peer.lastIndexOf(':'));
  await node.pool.removeConnectedPeer(host, 'removed');
  await node.pool.connectToPeer(peer);
}

async function status(node: PeerNode): Promise<NodeStatus> {
  const pool = node.pool;
  const held = (side: 'legacy' | 'unified'): number | null => {
    const m = pool.manager(side);
    if (!m) return null;
    try {
      return m.snapshot().entries.filter((e) => e.connected).length;
    } catch {
      return null;
    }
  };
  let peers: string[] = [];
  try {
    peers = (await pool.getConnectedPeers()).map((p) => p.ip);
    // Every read of the pool, each compared across the two managers by the pool itself in
    // shadow and live: the rehearsal asks for this status twice a second.
    await pool.getPeerIps();
    for (const ip of peers) await pool.getPeer(ip);
    pool.snapshot();
    pool.getPoolStats();
  } catch {
    // closing
  }
  const report = pool.report();
  const o = report.outcomes;
  const unexpected: string[] = [];
  for (const [kind, samples] of Object.entries(report.samples)) {
    for (const s of samples) if (!s.known && unexpected.length < 5) unexpected.push(`${kind} ${s.key} via ${s.source}: authoritative ${s.authoritative} | shadow ${s.shadow}`);
  }
  return {
    mode: pool.mode,
    peers,
    managers: { legacy: held('legacy'), unified: held('unified') },
    gate: (({ allowed, reason }) => ({ allowed, reason }))(pool.gate.evaluate()),
    shadow: {
      consistencyRate: report.consistencyRate,
      compared: o.matched + o.mismatched + o.ignored + o.errored,
      mismatched: o.mismatched,
      divergences: report.divergences as Record<DivergenceKind, KindCount>,
      unexpected,
    },
    coverage: report.coverage,
  };
}
