import type { FaultKind as ManagerFaultKind } from '../node/manager-faults.js';
import type { PoolMode } from '../dual/modes.js';

/** The flag's walk: every stage forward, a rollback, and forward again. */
export const STAGES: readonly PoolMode[] = ['legacy', 'shadow', 'live', 'unified', 'live', 'shadow', 'live', 'unified'];

/**
 * The real faults played during each stage (by index), one after another; each one ends with the
 * node back. `stop-resume` keeps the node frozen (sockets open, nothing sent, nothing answered)
 * until the witness has reaped it as stale; `replace` starts a new incarnation of the node on
 * another port with another version while its old process hangs with its sockets open, then ends
 * the old one; `cross-dial` has the node and every other node drop their connection to each other
 * and dial each other at the same moment (the simultaneous dial every P2P network sees), so each
 * pair holds two connections for a moment and keeps one; `hang-closing` has the node send a close
 * frame on every connection and hang before any closing handshake ends (a shutdown that stalls),
 * so the others' sends to it fail until they drop it, then kills and restarts it.
 */
export type FaultScript = 'kill-restart' | 'stop-resume' | 'leave-join' | 'replace' | 'cross-dial' | 'hang-closing';
export const STAGE_FAULTS: readonly (readonly FaultScript[])[] = [
  ['kill-restart'],
  ['stop-resume', 'cross-dial'],
  ['leave-join', 'cross-dial'],
  ['kill-restart'],
  ['stop-resume', 'hang-closing'],
  ['replace'],
  ['replace', 'cross-dial'],
  [],
];

/** The version a replaced node's n-th new incarnation announces (the others announce the default). */
export const replacementVersion = (generation: number): string => `1.0.${generation}`;

export interface RehearsalOptions {
  /** Node processes. Default 6. */
  readonly nodes: number;
  /**
   * One more node, on the address after the last: it proposes nothing and keeps the original
   * node's ping policy (an unanswered ping is logged, not fatal: here its ping timeout is three
   * stale bounds), so a frozen peer is removed by its reaper, as stale. Default true.
   */
  readonly witness: boolean;
  /** The stage walk, split evenly across the eight stages (startup and shutdown come on top). Default 48 s. */
  readonly durationMs: number;
  /** The first node's loopback address; the others follow (127.0.0.2, 127.0.0.3, ...). */
  readonly baseAddress: string;
  /** Every node listens on its own address at this port, its admin server on `adminPort`. */
  readonly port: number;
  readonly adminPort: number;
  readonly keepAliveMs: number;
  /** A keep-alive ping unanswered this long terminates the connection. Default 3/4 of the keep-alive. */
  readonly pingTimeoutMs: number;
  readonly staleAfterMs: number;
  readonly snapshotIntervalMs: number;
  /** One block proposal, from the next node in turn, this often. */
  readonly proposalIntervalMs: number;
  /** How long a message may be in flight before it counts as lost. */
  readonly settleMs: number;
  /** Plants a defect in the first node's unified manager. */
  readonly injectFault: ManagerFaultKind | undefined;
  /** How to run the `poolshift` CLI (executable and leading arguments). */
  readonly nodeCommand: readonly string[];
  /** Node logs and flag files go here; default a new temporary folder. */
  readonly workDir: string | undefined;
}

export const REHEARSAL_DEFAULTS = {
  nodes: 6,
  witness: true,
  durationMs: 48_000,
  baseAddress: '127.0.0.2',
  port: 7700,
  adminPort: 9700,
  keepAliveMs: 2000,
  staleAfterMs: 8000,
  snapshotIntervalMs: 250,
  proposalIntervalMs: 100,
  settleMs: 1000,
} as const;

/** The CLI that is running now, so nodes run the same build (dist, or tsx from src). */
export function currentCli(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

/** `base`, `base + 1`, ... in the last octet, staying within one /24. */
export function nodeAddresses(base: string, n: number): string[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(base);
  if (!m || !base.startsWith('127.')) throw new Error(`--base-address must be an IPv4 loopback address (127.x.y.z), got ${base}`);
  const last = Number(m[4]);
  if (last + n - 1 > 254) throw new Error(`--base-address ${base} leaves no room for ${n} nodes in its /24`);
  return Array.from({ length: n }, (_, i) => `${m[1]}.${m[2]}.${m[3]}.${last + i}`);
}
