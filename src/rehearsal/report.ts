import type { MessageCounts } from './message-ledger.js';

import type { Coverage } from '../dual/shadow/coverage.js';

/**
 * `stale`: the witness removed a frozen node with reason 'stale' (its reaper, not a ping timeout);
 * `replace`: a node's new incarnation (another port and version) connected both ways to every
 * node while its old process still held its sockets.
 */
export type FaultKind = 'sigkill' | 'restart' | 'sigstop' | 'stale' | 'sigcont' | 'leave' | 'join' | 'replace' | 'cross-dial' | 'hang-closing';

export interface StageReport {
  readonly mode: string;
  /** ms since the rehearsal began. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Shadow comparisons made during the stage, summed over the nodes (0 in legacy and unified). */
  readonly checks: number;
  /** Comparisons that agreed over comparisons made; null when none were made. */
  readonly consistencyRate: number | null;
}

export interface FaultReport {
  readonly kind: FaultKind;
  /** The node's address. */
  readonly node: string;
  /** ms since the rehearsal began. */
  readonly at: number;
  /** How long until every other node saw it (gone, or back and connected); null if never. */
  readonly detectedAfterMs: number | null;
}

export interface DivergenceCount {
  known: number;
  unexpected: number;
}

/** What the nodes' shadow verification exercised, summed over every incarnation (`pool.report().coverage`). */
export interface CoverageReport {
  readonly total: Coverage;
  /** By node name (the witness included), every incarnation of the node summed. */
  readonly byNode: Record<string, Coverage>;
}

/** What `--json` writes: exactly this shape. */
export interface RehearsalReport {
  readonly verdict: 'pass' | 'fail';
  readonly nodes: number;
  readonly durationMs: number;
  readonly stages: StageReport[];
  readonly divergences: { total: number; known: number; unexpected: number; byKind: Record<string, DivergenceCount> };
  readonly messages: MessageCounts;
  readonly faults: FaultReport[];
  readonly coverage: CoverageReport;
}

/** One sample of the cluster, for the charts. */
export interface TimelinePoint {
  /** ms since the rehearsal began. */
  readonly t: number;
  /** Peers held with a connection, summed over the nodes, by manager. */
  readonly legacyPeers: number;
  readonly unifiedPeers: number;
  /** Peers each node's authoritative manager holds, by node name. */
  readonly peers: Record<string, number>;
  /** Cumulative divergences by kind (known and unexpected together). */
  readonly divergences: Record<string, number>;
  readonly sent: number;
  readonly delivered: number;
}

export interface TimelineEvent {
  readonly t: number;
  readonly kind: 'flag' | 'fault';
  readonly label: string;
}

/** Everything a run produced: the report, why it failed, and what the HTML charts. */
export interface RehearsalResult {
  readonly report: RehearsalReport;
  /** Why the verdict is fail (empty on pass). */
  readonly reasons: string[];
  readonly timeline: TimelinePoint[];
  readonly events: TimelineEvent[];
  /** Where the node logs and flag files are. */
  readonly workDir: string;
  /** Fault bounds used, ms, by kind. */
  readonly bounds: Record<FaultKind, number>;
}
