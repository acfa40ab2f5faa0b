import type { BenchResult, Metric, TargetCheck, Verdict } from './results.js';
import type { Impl } from './subjects.js';

const x = (v: number): string => `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x`;
const pct = (v: number): string => `${(100 * v).toFixed(0)} %`;

function rows(results: readonly BenchResult[], metric: Metric): BenchResult[] {
  return results.filter((r) => r.metric === metric).sort((a, b) => a.n - b.n);
}

/** The ratio a/b at every size where both are measured. */
function ratios(results: readonly BenchResult[], metric: Metric, a: Impl, b: Impl): { n: number; ratio: number }[] {
  return rows(results, metric).flatMap((r) => {
    const va = r[a];
    const vb = r[b];
    return va === undefined || vb === undefined || vb === 0 ? [] : [{ n: r.n, ratio: va / vb }];
  });
}

function verdict(ok: boolean | undefined): Verdict {
  return ok === undefined ? 'not measured' : ok ? 'met' : 'not met';
}

const size = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));

/** "2.50x at 1k, 1.80x at 100k" */
const atSizes = (points: readonly { n: number; ratio: number }[]): string => points.map((r) => `${x(r.ratio)} at ${size(r.n)}`).join(', ');

/** A missed check with, after it, the reference figures that bound it (where there are any). */
function beside(check: TargetCheck, what: string, points: readonly { n: number; ratio: number }[]): TargetCheck {
  if (check.verdict !== 'not met' || points.length === 0) return check;
  return { ...check, measured: `${check.measured}; ${what} ${atSizes(points)}` };
}

/** "at least `min` times a/b at every size" (the worst size is what is reported). */
function atLeast(results: readonly BenchResult[], target: string, metric: Metric, a: Impl, b: Impl, min: number): TargetCheck {
  const all = ratios(results, metric, a, b);
  if (all.length === 0) return { target, verdict: 'not measured', measured: '' };
  const worst = all.reduce((w, r) => (r.ratio < w.ratio ? r : w));
  return {
    target,
    verdict: verdict(worst.ratio >= min),
    measured: atSizes(all),
  };
}

/** "at most `max` times a/b at every size" (the worst size is what is reported). */
function atMost(results: readonly BenchResult[], target: string, metric: Metric, a: Impl, b: Impl, max: number): TargetCheck {
  const all = ratios(results, metric, a, b);
  if (all.length === 0) return { target, verdict: 'not measured', measured: '' };
  const worst = all.reduce((w, r) => (r.ratio > w.ratio ? r : w));
  return {
    target,
    verdict: verdict(worst.ratio <= max),
    measured: atSizes(all),
  };
}

/**
 * Adds, where a size misses `min`, how far the bare-map floor itself is ahead of legacy there:
 * a pool cannot be faster than the floor, so a target above it cannot be met at that size.
 */
function withFloor(check: TargetCheck, results: readonly BenchResult[], metric: Metric, min: number): TargetCheck {
  return beside(check, 'the bare-map floor itself is', ratios(results, metric, 'legacy', 'baseline').filter((r) => r.ratio < min));
}

/**
 * Adds, where the shadow figure misses, what running both managers at all costs against legacy
 * at the same sizes (legacy's call then unified's, nothing else): the part of the figure that is
 * the dual-mode pool's own is the difference.
 */
function withBothManagers(check: TargetCheck, results: readonly BenchResult[], metric: Metric): TargetCheck {
  const floor = rows(results, metric).flatMap((r) =>
    r.bothManagers === undefined || r.legacy === undefined || r.shadow === undefined ? [] : [{ n: r.n, ratio: r.bothManagers / r.legacy }],
  );
  return beside(check, 'both managers bare cost', floor);
}

function count(results: readonly BenchResult[], target: string, metric: Metric, impl: Impl, ok: (v: number) => boolean): TargetCheck {
  const v = rows(results, metric)[0]?.[impl];
  return { target, verdict: verdict(v === undefined ? undefined : ok(v)), measured: v === undefined ? '' : `${impl} ${v}` };
}

/** Every target of the issue, judged on the figures of this run. */
export function checkTargets(results: readonly BenchResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [
    withFloor(atLeast(results, 'unified peerSeen at least 5x faster than legacy', 'peerSeen', 'legacy', 'unified', 5), results, 'peerSeen', 5),
    atMost(results, 'unified peerSeen within 2x the bare-map baseline', 'peerSeen', 'unified', 'baseline', 2),
    withFloor(atLeast(results, 'unified sendToPeer overhead at least 3x lower than legacy', 'sendToPeer', 'legacy', 'unified', 3), results, 'sendToPeer', 3),
    count(results, 'lock acquisitions per send: legacy 3', 'lockAcquisitionsPerSend', 'legacy', (v) => v === 3),
    count(results, 'lock acquisitions per send: unified at most 1', 'lockAcquisitionsPerSend', 'unified', (v) => v <= 1),
    count(results, 'map lookups per send: unified 1', 'mapLookupsPerSend', 'unified', (v) => v === 1),
  ];

  const reaper = rows(results, 'reaperScan');
  const largest = reaper.at(-1);
  const reaperTarget = 'unified reaper scan at least 2x faster than legacy at 100k peers';
  if (largest?.legacy !== undefined && largest.unified !== undefined) {
    const ratio = largest.legacy / largest.unified;
    const at100k = largest.n >= 100_000;
    checks.push({
      target: reaperTarget,
      verdict: at100k ? verdict(ratio >= 2) : 'not measured',
      measured: `${x(ratio)} at ${size(largest.n)}${at100k ? '' : ' (100k not run: --quick)'}`,
    });
  } else checks.push({ target: reaperTarget, verdict: 'not measured', measured: '' });

  const flat = reaper.flatMap((r) => (r.unified === undefined ? [] : [{ n: r.n, v: r.unified }]));
  const flatTarget = 'unified reaper scan flat per peer from 1k to 100k (within 1.5x)';
  if (flat.length >= 2) {
    const min = Math.min(...flat.map((f) => f.v));
    const max = Math.max(...flat.map((f) => f.v));
    const spans = flat[0]!.n <= 1000 && flat.at(-1)!.n >= 100_000;
    // How flat the floor itself is over the same sizes: a figure cannot be flatter than that.
    const floor = reaper.flatMap((r) => (r.baseline === undefined ? [] : [r.baseline]));
    const floorSpan = floor.length >= 2 ? `; the bare-map baseline's own max/min ${x(Math.max(...floor) / Math.min(...floor))}` : '';
    checks.push({
      target: flatTarget,
      verdict: verdict(max / min <= 1.5),
      measured: `max/min ${x(max / min)} over ${flat.map((f) => size(f.n)).join(', ')}${floorSpan}${spans ? '' : ' (not the full range: --quick)'}`,
    });
  } else checks.push({ target: flatTarget, verdict: 'not measured', measured: '' });

  const memory = rows(results, 'memoryPerPeer').at(-1);
  const memoryTarget = 'unified memory per peer at most 70 % of legacy';
  if (memory?.legacy !== undefined && memory.unified !== undefined) {
    const share = memory.unified / memory.legacy;
    checks.push({ target: memoryTarget, verdict: verdict(share <= 0.7), measured: `${pct(share)} (${memory.unified} B vs ${memory.legacy} B at ${size(memory.n)})` });
  } else checks.push({ target: memoryTarget, verdict: 'not measured', measured: '' });

  // Throughput: higher is better, so the ratios read the other way round.
  const ws = rows(results, 'broadcastWs').at(-1);
  const wsTarget = 'broadcastWs through the unified pool at least 90 % of the raw ws loop';
  if (ws?.unified !== undefined && ws.baseline !== undefined) {
    const share = ws.unified / ws.baseline;
    checks.push({ target: wsTarget, verdict: verdict(share >= 0.9), measured: pct(share) });
  } else checks.push({ target: wsTarget, verdict: 'not measured', measured: '' });

  for (const metric of ['peerSeen', 'sendToPeer'] as const) {
    checks.push(withBothManagers(atMost(results, `shadow ${metric} at most 1.3x legacy's cost`, metric, 'shadow', 'legacy', 1.3), results, metric));
  }
  const shadowWsTarget = 'shadow within 5 % of legacy on broadcastWs';
  if (ws?.shadow !== undefined && ws.legacy !== undefined) {
    const share = ws.shadow / ws.legacy;
    checks.push({ target: shadowWsTarget, verdict: verdict(share >= 0.95), measured: `${pct(share)} of legacy` });
  } else checks.push({ target: shadowWsTarget, verdict: 'not measured', measured: '' });
  return checks;
}
