import type { MessageCounts } from './message-ledger.js';

import type { Coverage } from '../dual/shadow/coverage.js';
import type { RehearsalOptions } from './plan.js';

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
  /** The bound it had to be detected within, ms: it was met when detectedAfterMs is not null and at most this. */
  readonly boundMs: number;
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

/** When the rehearsal ran, with which build and which options. */
export interface RunInfo {
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  /** poolshift's package version, and the git commit it was built from where known (`0.1.0 (eb66b3b)`). */
  readonly version: string;
  readonly node: string;
  /** The options as run, durations in ms (how to start the nodes and where their logs go left out). */
  readonly options: Omit<RehearsalOptions, 'nodeCommand' | 'workDir'>;
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
  readonly run: RunInfo;
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
  /** Cumulative divergences by kind, known and unexpected apart. */
  readonly divergences: Record<string, DivergenceCount>;
  readonly sent: number;
  readonly delivered: number;
}

export interface TimelineEvent {
  readonly t: number;
  readonly kind: 'flag' | 'fault';
  /** The whole line, as printed. */
  readonly label: string;
  /** What the charts write at the marker: a flag change's stage. */
  readonly mark?: string;
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
