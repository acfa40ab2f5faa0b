import { DIVERGENCE_KINDS } from '../../../src/dual/shadow/divergence.js';
import { REHEARSAL_DEFAULTS, STAGES } from '../../../src/rehearsal/plan.js';
import { emptyCoverage } from '../../../src/rehearsal/rehearsal.js';
import type { DivergenceCount, FaultReport, RehearsalResult, TimelineEvent, TimelinePoint } from '../../../src/rehearsal/report.js';

const STAGE_MS = 2300;
const FIRST_STAGE_AT = 3000;
const END = FIRST_STAGE_AT + STAGES.length * STAGE_MS;

/** Cumulative divergences: `kind` steps to `count` at `at` ms. */
interface Step {
  readonly kind: string;
  readonly known: boolean;
  readonly at: number;
  readonly count: number;
}

/**
 * A fixed rehearsal result, shaped like a real 3-node run: legacy and unified hold the same peers
 * in shadow and live, nothing is lost (sent and delivered coincide), two known kinds step up at the
 * same moment to the same count (their lines coincide), one fault over its bound, one never seen.
 * `unexpected` adds an unexpected liveness-mismatch.
 */
export function fixedResult({ unexpected = false }: { unexpected?: boolean } = {}): RehearsalResult {
  const steps: Step[] = [
    { kind: 'extra-in-shadow', known: true, at: 9000, count: 3 },
    { kind: 'info-mismatch', known: true, at: 12_000, count: 2 },
    { kind: 'event-mismatch', known: true, at: 12_000, count: 2 },
    ...(unexpected ? [{ kind: 'liveness-mismatch', known: false, at: 15_000, count: 1 }] : []),
  ];
  const countsAt = (t: number): Record<string, DivergenceCount> =>
    Object.fromEntries(
      DIVERGENCE_KINDS.map((k) => {
        const c = { known: 0, unexpected: 0 };
        for (const s of steps) if (s.kind === k && t >= s.at) c[s.known ? 'known' : 'unexpected'] = s.count;
        return [k, c];
      }),
    );
  const stageAt = (t: number): string => (t < FIRST_STAGE_AT ? 'legacy' : STAGES[Math.min(STAGES.length - 1, Math.floor((t - FIRST_STAGE_AT) / STAGE_MS))]!);
  const timeline: TimelinePoint[] = [];
  for (let t = 0; t <= END; t += 250) {
    const mode = stageAt(t);
    const held = t < 1000 ? 0 : t >= 7000 && t < 8500 ? 4 : 6;
    const sent = Math.max(0, Math.floor((t - 2000) / 100));
    timeline.push({
      t,
      legacyPeers: mode === 'unified' ? 0 : held,
      unifiedPeers: mode === 'legacy' ? 0 : held,
      peers: { n1: held / 3, n2: held / 3, n3: held / 3 },
      divergences: countsAt(t),
      sent,
      delivered: sent,
    });
  }
  const events: TimelineEvent[] = [
    ...STAGES.map((mode, i) => {
      const rollback = i >= 4 && i <= 5;
      return { t: FIRST_STAGE_AT + i * STAGE_MS, kind: 'flag' as const, label: `flag -> ${mode}${rollback ? ' (rollback)' : ''}`, mark: `${mode}${rollback ? ' ↩' : ''}` };
    }),
    { t: 3200, kind: 'fault', label: 'SIGKILL n2 (127.0.70.3)' },
    { t: 7000, kind: 'fault', label: 'SIGSTOP n3 (127.0.70.4): half-open' },
    { t: 10_400, kind: 'fault', label: 'n2 (127.0.70.3) leaves (SIGTERM)' },
    { t: 12_000, kind: 'fault', label: 'n3 (127.0.70.4) and n2 drop each other and dial each other at once' },
  ];
  events.sort((a, b) => a.t - b.t);
  const faults: FaultReport[] = [
    { kind: 'sigkill', node: '127.0.70.3', at: 3200, detectedAfterMs: 22, boundMs: 3000 },
    { kind: 'sigstop', node: '127.0.70.4', at: 7000, detectedAfterMs: 3400, boundMs: 3000 },
    { kind: 'leave', node: '127.0.70.3', at: 10_400, detectedAfterMs: null, boundMs: 3000 },
    { kind: 'cross-dial', node: '127.0.70.4', at: 12_000, detectedAfterMs: 84, boundMs: 6000 },
  ];
  // The counters and operation names of a real run (README, "The rehearsal"): long names make the table wide.
  const coverage = {
    ...emptyCoverage(),
    reads: { getPoolStats: 1048, getPeerIps: 1168, getPeer: 3673, getConnectedPeers: 1168, snapshot: 423 },
    writes: { broadcastBlockProposal: 392, connectToPeer: 74, removeConnectedPeer: 30, addConnectedPeer: 73, 'broadcastBlockProposal:wire': 237, reaper: 14 },
    events: 206,
    messageChecks: 2020,
    livenessEvidence: 3714,
    staleRemovals: 14,
    replacements: 40,
    resourceChecks: 749,
  };
  const byKind = countsAt(END);
  const known = Object.values(byKind).reduce((n, c) => n + c.known, 0);
  const unexpectedCount = Object.values(byKind).reduce((n, c) => n + c.unexpected, 0);
  const sent = timeline[timeline.length - 1]!.sent;
  const { nodeCommand: _c, workDir: _w, ...options } = { ...REHEARSAL_DEFAULTS, nodes: 3, durationMs: 16_000, baseAddress: '127.0.70.2', keepAliveMs: 1500, pingTimeoutMs: 1125, injectFault: undefined, nodeCommand: [], workDir: undefined };
  return {
    report: {
      verdict: unexpected ? 'fail' : 'pass',
      nodes: 3,
      durationMs: END,
      stages: STAGES.map((mode, i) => {
        const compares = mode === 'shadow' || mode === 'live';
        return { mode, startedAt: FIRST_STAGE_AT + i * STAGE_MS, endedAt: FIRST_STAGE_AT + (i + 1) * STAGE_MS, checks: compares ? 60 + i : 0, consistencyRate: compares ? 1 : null };
      }),
      divergences: { total: known + unexpectedCount, known, unexpected: unexpectedCount, byKind },
      messages: { sent, delivered: sent, lost: 0, duplicated: 0 },
      faults,
      coverage: { total: coverage, byNode: { n1: coverage, n2: coverage, n3: coverage, witness: emptyCoverage() } },
      run: { startedAt: '2026-12-06T21:00:00.000Z', version: '0.1.0 (abc1234)', node: 'v20.20.2', options },
    },
    reasons: unexpected ? ['unexpected divergences: liveness-mismatch x1'] : [],
    timeline,
    events,
    workDir: '/tmp/poolshift-rehearsal-fixture',
    bounds: { sigkill: 3000, sigstop: 3000, stale: 11_000, leave: 3000, restart: 6000, sigcont: 6000, join: 6000, replace: 6000, 'cross-dial': 6000, 'hang-closing': 3000 },
  };
}
