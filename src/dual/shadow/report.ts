import { createTwoFilesPatch } from 'diff';
import type { PoolSnapshot, SnapshotEntry } from '../../contract/types.js';
import { describeEntry, DIVERGENCE_KINDS, type Divergence, type DivergenceKind, type KnownDifference } from './divergence.js';
import type { PoolMode } from '../modes.js';
import type { KindCount, VerifierStats } from './verifier.js';
import { mirrorResetText, type Coverage } from './coverage.js';
import type { GateStatus } from '../promotion-gate.js';
import { readableDuration } from '../../util/readable-duration.js';

export interface ShadowReport {
  readonly mode: PoolMode;
  readonly generatedAt: number;
  readonly consistencyRate: number;
  readonly outcomes: Pick<VerifierStats, 'total' | 'matched' | 'mismatched' | 'ignored' | 'errored' | 'sampledOut' | 'skippedInFlight' | 'snapshotChecks'>;
  /** Divergences reported, by kind, known (L1-L7) and unexpected apart. */
  readonly divergences: Readonly<Record<DivergenceKind, Readonly<KindCount>>>;
  readonly byRule: Readonly<Partial<Record<KnownDifference, number>>>;
  readonly samples: Readonly<Record<DivergenceKind, readonly Divergence[]>>;
  readonly mirrorFailures: number;
  /** What the run exercised and compared: a pass covers only this. */
  readonly coverage: Coverage;
  /** A unified diff of the two peer sets (one line per key), legacy on the left; '' when equal or when one manager is not held (legacy, unified: nothing compared). */
  readonly peerSetDiff: string;
  /** The promotion gate: progress against what it requires, its answer now, its last decision. */
  readonly gate?: GateStatus;
}

/** One line per key, sorted, so that `diff` lines the two sets up. */
export function peerSetLines(snapshot: PoolSnapshot): string {
  const lines = [...snapshot.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(line);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function line(e: SnapshotEntry): string {
  return `${e.key} ${describeEntry(e)}`;
}

/** The readable diff of the legacy and unified peer sets, made with the `diff` package. */
export function diffPeerSets(legacy: PoolSnapshot | undefined, unified: PoolSnapshot | undefined): string {
  // With one manager (legacy or unified mode) there is nothing to diff: its peers against an
  // empty set would read as every peer missing.
  if (!legacy || !unified) return '';
  const left = peerSetLines(legacy);
  const right = peerSetLines(unified);
  if (left === right) return '';
  return createTwoFilesPatch('legacy', 'unified', left, right, undefined, undefined, { context: 2 });
}

export function buildReport(input: {
  mode: PoolMode;
  at: number;
  stats: VerifierStats;
  samples: Record<DivergenceKind, Divergence[]>;
  mirrorFailures: number;
  coverage: Coverage;
  legacy: PoolSnapshot | undefined;
  unified: PoolSnapshot | undefined;
  gate?: GateStatus;
}): ShadowReport {
  const { stats } = input;
  return {
    mode: input.mode,
    generatedAt: input.at,
    consistencyRate: stats.consistencyRate,
    outcomes: {
      total: stats.total,
      matched: stats.matched,
      mismatched: stats.mismatched,
      ignored: stats.ignored,
      errored: stats.errored,
      sampledOut: stats.sampledOut,
      skippedInFlight: stats.skippedInFlight,
      snapshotChecks: stats.snapshotChecks,
    },
    divergences: stats.divergences,
    byRule: stats.byRule,
    samples: input.samples,
    mirrorFailures: input.mirrorFailures,
    coverage: input.coverage,
    peerSetDiff: diffPeerSets(input.legacy, input.unified),
    ...(input.gate ? { gate: input.gate } : {}),
  };
}

/** The report as text, for a log line or a terminal. */
export function formatReport(r: ShadowReport): string {
  const pct = (r.consistencyRate * 100).toFixed(3);
  const o = r.outcomes;
  const out = [
    `mode: ${r.mode}`,
    `consistency: ${pct}% (${o.matched} matched, ${o.ignored} known differences, ${o.errored} same error, ${o.mismatched} mismatched, ${o.sampledOut} sampled out; ${o.snapshotChecks} snapshot checks)`,
    `mirror failures: ${r.mirrorFailures}`,
    'divergences (known / unexpected):',
  ];
  for (const k of DIVERGENCE_KINDS) out.push(`  ${k}: ${r.divergences[k].known} / ${r.divergences[k].unexpected}`);
  const rules = Object.entries(r.byRule).map(([rule, n]) => `${rule}=${n}`);
  if (rules.length > 0) out.push(`known by rule: ${rules.join(' ')}`);
  for (const k of DIVERGENCE_KINDS) {
    for (const s of r.samples[k]) out.push(`  [${k}] ${s.key} via ${s.source}${s.known ? ` (${s.known})` : ''}: authoritative ${s.authoritative} | shadow ${s.shadow}`);
  }
  out.push(...formatCoverage(r.coverage));
  if (r.gate) out.push(...formatGate(r.gate));
  if (r.peerSetDiff) out.push('peer sets:', r.peerSetDiff);
  return out.join('\n');
}

/** The coverage section: what was compared, and what a pass did not see at all. */
export function formatCoverage(c: Coverage): string[] {
  const ops = (m: Readonly<Record<string, number>>): string =>
    Object.keys(m).length === 0 ? 'none' : Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${op}=${n}`).join(' ');
  const out = [
    'coverage (what this run compared):',
    `  reads: ${ops(c.reads)}`,
    `  writes: ${ops(c.writes)}`,
    `  events ${c.events}, message counts ${c.messageChecks}, liveness evidence ${c.livenessEvidence}, stale removals ${c.staleRemovals}, replacements ${c.replacements}, resource checks ${c.resourceChecks}`,
  ];
  if (c.mirrorResets > 0 || c.writesNotCompared > 0) out.push(`  ${mirrorResetText(c)}`);
  const never = (['events', 'staleRemovals', 'replacements', 'livenessEvidence', 'resourceChecks'] as const).filter((k) => c[k] === 0);
  if (never.length > 0) out.push(`  not exercised: ${never.join(', ')} (a pass says nothing about these)`);
  return out;
}

/** The gate section: progress against what it requires, its answer now, its last decision. */
export function formatGate(g: GateStatus): string[] {
  const last = g.lastDecision;
  return [
    `promotion gate: ${g.open ? 'open' : 'closed'} (${g.reason})`,
    `  checks ${g.checks} of ${g.minChecks}, held ${readableDuration(g.heldMs)} of ${readableDuration(g.minDurationMs)}, consistency ${(g.rate * 100).toFixed(3)}% against ${(g.threshold * 100).toFixed(3)}%`,
    `  last decision: ${last ? `${last.allowed ? 'allowed' : 'refused'} (${last.reason})` : 'none yet'}`,
  ];
}
