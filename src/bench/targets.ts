import type { BenchResult, HeapProfiledMiss, Metric, ProfiledMiss, RunFigures, TargetCheck, TargetGroup, Verdict } from './results.js';
import type { Impl } from './subjects.js';

/**
 * The targets of issue 18, stated against the floors measured in the same run: the bare-map
 * floor (`baseline`) for unified, two bare managers called one after the other (`bothManagers`)
 * for the dual-mode pool. A pool cannot beat its floor, so a target against legacy ("5x faster")
 * asked for more than the floor itself allows at 100k.
 */
export const LIMITS = {
  /** Unified, each per-operation figure, at most this many times the bare-map floor. */
  unifiedVsFloor: 1.25,
  /** Unified reaper's growth 1k -> 100k (per peer), at most this many times the floor's own growth. */
  reaperGrowth: 1.5,
  /** Shadow and live, each per-operation figure, at most this many times both managers bare. */
  dualVsBothManagers: 1.15,
  /** Shadow's (and live's) memory per peer at most this many times legacy's plus unified's. */
  dualMemory: 1.25,
  /** broadcastWs in shadow at least this share of legacy's deliveries a second. */
  shadowWs: 0.95,
  /** broadcastWs through unified at least this share of the raw ws loop's. */
  unifiedWs: 0.9,
  /** A full run's wall time, ms. */
  wallMs: 5 * 60_000,
} as const;

export const PER_OPERATION: readonly Metric[] = ['peerSeen', 'sendToPeer', 'getConnectedPeers', 'getPeerIps', 'reaperScan'];
/** The dual-mode pool's per-operation targets are at 1k and 10k: larger sizes are reported, not judged. */
const DUAL_JUDGED_UP_TO = 10_000;
const FULL_RANGE = { from: 1_000, to: 100_000 } as const;

/** What the checks read beside the result rows: the profiles of the misses, and the run's own cost. */
export interface TargetContext {
  readonly profiles?: readonly ProfiledMiss[];
  /** Heap profiles of the memory misses. */
  readonly heapProfiles?: readonly HeapProfiledMiss[];
  readonly run?: RunFigures;
  readonly quick?: boolean;
  /** Why the dual-mode pool is not measured at some sizes (the cap), if it is not. */
  readonly dualCap?: string;
}

const x = (v: number): string => `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x`;
const pct = (v: number): string => `${(100 * v).toFixed(0)} %`;
const size = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));
const num = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const unitOf = (r: BenchResult): string => r.unit;
const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`;

function verdict(ok: boolean | undefined): Verdict {
  return ok === undefined ? 'not measured' : ok ? 'met' : 'not met';
}

function rows(results: readonly BenchResult[], metric: Metric): BenchResult[] {
  return results.filter((r) => r.metric === metric).sort((a, b) => a.n - b.n);
}

/** The floor `impl`'s per-operation figure is judged against in this row, and the limit; none where it is not judged. */
function judgedAgainst(impl: Impl, r: BenchResult): { floor: 'baseline' | 'bothManagers'; max: number } | undefined {
  if (!PER_OPERATION.includes(r.metric)) return undefined;
  if (impl === 'unified') return { floor: 'baseline', max: LIMITS.unifiedVsFloor };
  if ((impl === 'shadow' || impl === 'live') && r.n <= DUAL_JUDGED_UP_TO) return { floor: 'bothManagers', max: LIMITS.dualVsBothManagers };
  return undefined;
}

/** The implementations whose figure in this row misses its target: what the bench profiles after the row's timings. */
export function missedAt(r: BenchResult): Impl[] {
  return (['unified', 'shadow', 'live'] as const).filter((impl) => {
    const judged = judgedAgainst(impl, r);
    const v = r[impl];
    const floor = judged && r[judged.floor];
    return judged !== undefined && v !== undefined && floor !== undefined && floor > 0 && v / floor > judged.max;
  });
}

/** The profile of a miss: at the worst missed size if it was profiled there, else at any missed size. */
function causeOf(context: TargetContext, metric: Metric, impl: Impl, missedSizes: readonly number[]): TargetCheck['cause'] {
  const profiles = (context.profiles ?? []).filter((p) => p.metric === metric && p.impl === impl && missedSizes.includes(p.n));
  const best = missedSizes.map((n) => profiles.find((p) => p.n === n)).find((p) => p !== undefined);
  return best ?? { note: context.profiles === undefined ? 'not profiled in this run' : 'no profile of this size' };
}

/** One implementation's per-operation figure against its floor at the judged sizes. */
function perOperation(results: readonly BenchResult[], context: TargetContext, group: TargetGroup, metric: Metric, impl: Impl, target: string, required: readonly number[]): TargetCheck {
  const all = rows(results, metric);
  const judged = all.flatMap((r) => {
    const against = judgedAgainst(impl, r);
    const v = r[impl];
    const floor = against && r[against.floor];
    return against === undefined || v === undefined || floor === undefined || floor === 0 ? [] : [{ r, v, floor, ratio: v / floor, max: against.max }];
  });
  if (judged.length === 0) {
    const why = all.some((r) => r[impl] !== undefined) ? 'its floor not measured' : '';
    return { group, target, verdict: 'not measured', measured: why };
  }
  // Sizes the target names that this run did not reach (e.g. 100k under --quick).
  const absent = required.filter((n) => !all.some((r) => r.n === n && r[impl] !== undefined));
  // Sizes above the judged ones (the dual-mode pool at 100k): reported beside, not judged.
  const beyond = all.filter((r) => r[impl] !== undefined && r.bothManagers !== undefined && judgedAgainst(impl, r) === undefined && (impl === 'shadow' || impl === 'live'));
  const measured = [
    judged.map((j) => `${x(j.ratio)} at ${size(j.r.n)}`).join(', '),
    ...beyond.map((r) => `(${x(r[impl]! / r.bothManagers!)} at ${size(r.n)}, not judged)`),
    ...(absent.length > 0 ? [`(${absent.map(size).join(', ')} not run)`] : []),
  ].join(' ');
  const missed = judged.filter((j) => j.ratio > j.max).sort((a, b) => b.ratio - a.ratio);
  if (missed.length === 0) return { group, target, verdict: 'met', measured };
  const floorName = judgedAgainst(impl, missed[0]!.r)!.floor === 'baseline' ? 'the floor' : 'both managers';
  const worst = missed[0]!;
  const floorFigures = missed
    .slice()
    .sort((a, b) => a.r.n - b.r.n)
    .map((j) => {
      const legacy = j.r.legacy;
      const vsLegacy = floorName === 'both managers' && legacy ? ` (${x(j.floor / legacy)} legacy)` : '';
      return `${num(j.floor)} ${unitOf(j.r)} at ${size(j.r.n)}${vsLegacy}`;
    });
  return {
    group,
    target,
    verdict: 'not met',
    measured,
    floor: `${impl} ${x(worst.ratio)} of ${floorName} at ${size(worst.r.n)}; ${floorName === 'the floor' ? 'the floor itself' : 'both managers bare'} ${floorFigures.join(', ')}`,
    cause: causeOf(context, metric, impl, missed.map((j) => j.r.n)),
  };
}

/** The unified reaper's growth per peer from the smallest size to the largest, against the floor's own. */
function reaperGrowth(results: readonly BenchResult[], context: TargetContext): TargetCheck {
  const group: TargetGroup = 'unified vs the floor';
  const target = `unified reaperScan's growth from 1k to 100k within ${LIMITS.reaperGrowth}x of the floor's own growth`;
  const both = rows(results, 'reaperScan').filter((r) => r.unified !== undefined && r.baseline !== undefined && r.baseline > 0);
  const first = both[0];
  const last = both.at(-1);
  if (first === undefined || last === undefined || first === last) return { group, target, verdict: 'not measured', measured: '' };
  const unifiedGrowth = last.unified! / first.unified!;
  const floorGrowth = last.baseline! / first.baseline!;
  const ratio = unifiedGrowth / floorGrowth;
  const range = `${size(first.n)} to ${size(last.n)}`;
  const measured = `${x(ratio)} (unified grows ${x(unifiedGrowth)} from ${range}, the floor ${x(floorGrowth)})`;
  if (first.n > FULL_RANGE.from || last.n < FULL_RANGE.to) return { group, target, verdict: 'not measured', measured: `${measured} (not the full range)` };
  if (ratio <= LIMITS.reaperGrowth) return { group, target, verdict: 'met', measured };
  return {
    group,
    target,
    verdict: 'not met',
    measured,
    floor: `the floor itself ${num(first.baseline!)} ${first.unit} at ${size(first.n)}, ${num(last.baseline!)} at ${size(last.n)}`,
    cause: causeOf(context, 'reaperScan', 'unified', [last.n]),
  };
}

/** The memory row a dual-mode implementation is judged on: the largest size where it, legacy and unified are measured. */
function memoryRow(results: readonly BenchResult[], impl: 'shadow' | 'live'): BenchResult | undefined {
  return rows(results, 'memoryPerPeer')
    .filter((m) => m[impl] !== undefined && m.legacy !== undefined && m.unified !== undefined)
    .at(-1);
}

/** The dual-mode implementations whose memory per peer misses its target, and at which size: what the bench heap-profiles. */
export function memoryMisses(results: readonly BenchResult[]): { impl: 'shadow' | 'live'; n: number }[] {
  return (['shadow', 'live'] as const).flatMap((impl) => {
    const r = memoryRow(results, impl);
    return r && r[impl]! / (r.legacy! + r.unified!) > LIMITS.dualMemory ? [{ impl, n: r.n }] : [];
  });
}

/** Shadow's (or live's) memory per peer against legacy's plus unified's, at the largest size all three are measured. */
function dualMemory(results: readonly BenchResult[], context: TargetContext, impl: 'shadow' | 'live'): TargetCheck {
  const group: TargetGroup = 'memory';
  const target = `${impl} memory per peer at most ${LIMITS.dualMemory}x (legacy + unified)`;
  const r = memoryRow(results, impl);
  if (r === undefined) return { group, target, verdict: 'not measured', measured: '' };
  const floor = r.legacy! + r.unified!;
  const ratio = r[impl]! / floor;
  const measured = `${x(ratio)} (${num(r[impl]!)} B against ${num(r.legacy!)} + ${num(r.unified!)} = ${num(floor)} B at ${size(r.n)})`;
  if (ratio <= LIMITS.dualMemory) return { group, target, verdict: 'met', measured };
  return {
    group,
    target,
    verdict: 'not met',
    measured,
    floor: `legacy + unified ${num(floor)} B a peer at ${size(r.n)}${r.baseline === undefined ? '' : `; the bare map ${num(r.baseline)} B`}`,
    cause: context.heapProfiles?.find((h) => h.impl === impl) ?? { note: 'not heap-profiled in this run' },
  };
}

/** broadcastWs: deliveries a second, higher is better. */
function network(results: readonly BenchResult[], impl: Impl, than: Impl, min: number, target: string, floorName: string): TargetCheck {
  const group: TargetGroup = 'network';
  const ws = rows(results, 'broadcastWs').at(-1);
  if (ws?.[impl] === undefined || ws[than] === undefined || ws[than] === 0) return { group, target, verdict: 'not measured', measured: '' };
  const share = ws[impl] / ws[than];
  const measured = `${pct(share)} of ${floorName}`;
  if (share >= min) return { group, target, verdict: 'met', measured };
  return {
    group,
    target,
    verdict: 'not met',
    measured,
    floor: `${floorName} itself ${num(ws[than])} ${ws.unit}, ${impl} ${num(ws[impl])}`,
    cause: { note: 'not profiled: the figure runs over sockets, its peers in a child process' },
  };
}

function count(results: readonly BenchResult[], target: string, metric: Metric, impl: Impl, ok: (v: number) => boolean): TargetCheck {
  const v = rows(results, metric)[0]?.[impl];
  return { group: 'counted', target, verdict: verdict(v === undefined ? undefined : ok(v)), measured: v === undefined ? '' : `${impl} ${v}` };
}

/** The scale targets: the dual-mode pool at 100k, the run's wall time, the peak heap. */
function scale(results: readonly BenchResult[], context: TargetContext): TargetCheck[] {
  const group: TargetGroup = 'scale';
  const checks: TargetCheck[] = [];
  const large = results.filter((r) => PER_OPERATION.includes(r.metric) && r.n >= FULL_RANGE.to);
  const dualTarget = 'the dual-mode pool measured at 100k peers (shadow and live, every per-operation figure)';
  const dualAt100k = large.filter((r) => r.shadow !== undefined && r.live !== undefined);
  if (large.length === 0) checks.push({ group, target: dualTarget, verdict: 'not measured', measured: context.quick ? 'no 100k size: --quick' : 'no 100k size in this run' });
  else if (dualAt100k.length === large.length) checks.push({ group, target: dualTarget, verdict: 'met', measured: `${dualAt100k.length} figures at ${size(large[0]!.n)}` });
  else {
    checks.push({
      group,
      target: dualTarget,
      verdict: 'not met',
      measured: `${dualAt100k.length} of ${large.length} figures at 100k`,
      floor: context.dualCap ?? 'shadow and live not measured at 100k',
      cause: { note: 'not profiled: not a timed figure' },
    });
  }

  const run = context.run;
  const wallTarget = `the whole run under ${LIMITS.wallMs / 60_000} minutes`;
  if (run === undefined) checks.push({ group, target: wallTarget, verdict: 'not measured', measured: '' });
  else {
    const took = `${(run.wallMs / 1000).toFixed(0)} s`;
    if (context.quick) checks.push({ group, target: wallTarget, verdict: 'not measured', measured: `${took} (--quick: not a full run)` });
    else if (run.wallMs < LIMITS.wallMs) checks.push({ group, target: wallTarget, verdict: 'met', measured: took });
    else {
      // No profile for a whole run: where its time went, the longest phases first.
      const longest = [...run.phases].sort((a, b) => b.ms - a.ms).slice(0, 3);
      checks.push({
        group,
        target: wallTarget,
        verdict: 'not met',
        measured: took,
        floor: `limit ${LIMITS.wallMs / 1000} s`,
        cause: { note: `the longest phases: ${longest.map((p) => `${p.name} ${(p.ms / 1000).toFixed(0)} s`).join(', ')}` },
      });
    }
  }

  const heapTarget = "peak V8 heap used inside Node's default heap limit";
  if (run === undefined) checks.push({ group, target: heapTarget, verdict: 'not measured', measured: '' });
  else {
    const measured = `${mb(run.peakHeapBytes)} of ${mb(run.heapLimitBytes)} (${pct(run.peakHeapBytes / run.heapLimitBytes)}, in ${run.peakHeapPhase}); live after a full GC at most ${mb(run.peakLiveHeapBytes)}; peak RSS ${mb(run.peakRssBytes)}`;
    if (run.heapLimitFlag) checks.push({ group, target: heapTarget, verdict: 'not measured', measured: `${measured} (limit set by ${run.heapLimitFlag}: not the default)` });
    else if (run.peakHeapBytes < run.heapLimitBytes) checks.push({ group, target: heapTarget, verdict: 'met', measured });
    else checks.push({ group, target: heapTarget, verdict: 'not met', measured, floor: `limit ${mb(run.heapLimitBytes)}`, cause: { note: 'not profiled: the whole run' } });
  }
  return checks;
}

/** Every target of issue 18, judged on the figures of this run, in the groups they are printed in. */
export function checkTargets(results: readonly BenchResult[], context: TargetContext = {}): TargetCheck[] {
  const unifiedSizes = [1_000, 10_000, 100_000];
  const dualSizes = [1_000, 10_000];
  return [
    ...PER_OPERATION.map((metric) =>
      perOperation(results, context, 'unified vs the floor', metric, 'unified', `unified ${metric} within ${LIMITS.unifiedVsFloor}x of the bare-map floor at 1k, 10k, 100k`, unifiedSizes),
    ),
    reaperGrowth(results, context),
    ...(['shadow', 'live'] as const).flatMap((impl) =>
      PER_OPERATION.map((metric) =>
        perOperation(results, context, 'shadow and live vs both managers', metric, impl, `${impl} ${metric} within ${LIMITS.dualVsBothManagers}x of both managers at 1k, 10k`, dualSizes),
      ),
    ),
    dualMemory(results, context, 'shadow'),
    dualMemory(results, context, 'live'),
    ...scale(results, context),
    network(results, 'shadow', 'legacy', LIMITS.shadowWs, `broadcastWs in shadow at least ${pct(LIMITS.shadowWs)} of legacy`, 'legacy'),
    network(results, 'unified', 'baseline', LIMITS.unifiedWs, `broadcastWs through unified at least ${pct(LIMITS.unifiedWs)} of the raw ws loop`, 'the raw ws loop'),
    count(results, 'lock acquisitions per send: legacy 3', 'lockAcquisitionsPerSend', 'legacy', (v) => v === 3),
    count(results, 'lock acquisitions per send: unified at most 1', 'lockAcquisitionsPerSend', 'unified', (v) => v <= 1),
    count(results, 'map lookups per send: unified 1', 'mapLookupsPerSend', 'unified', (v) => v === 1),
  ];
}
