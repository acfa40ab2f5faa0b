import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/bench/results.js';
import { checkTargets } from '../src/bench/targets.js';

// The verdicts on made-up figures: what is met, what is not, and the floor put beside a miss.
const row = (metric: BenchResult['metric'], n: number, v: Partial<BenchResult>): BenchResult => ({ metric, n, unit: 'ns', better: 'lower', ...v });
const find = (checks: ReturnType<typeof checkTargets>, start: string) => checks.find((c) => c.target.startsWith(start))!;

describe('bench targets', () => {
  it('judges peerSeen at every size and, where it misses, says how far the floor itself is from legacy', () => {
    const checks = checkTargets([
      row('peerSeen', 1000, { baseline: 50, legacy: 500, unified: 60 }),
      row('peerSeen', 100_000, { baseline: 400, legacy: 1000, unified: 420 }),
    ]);
    const c = find(checks, 'unified peerSeen at least 5x');
    expect(c.verdict).toBe('not met');
    expect(c.measured).toBe('8.33x at 1k, 2.38x at 100k; the bare-map floor itself is 2.50x at 100k');
    const send = checkTargets([row('sendToPeer', 100_000, { baseline: 1000, legacy: 2500, unified: 1300 })]);
    expect(find(send, 'unified sendToPeer overhead')).toMatchObject({ verdict: 'not met', measured: '1.92x at 100k; the bare-map floor itself is 2.50x at 100k' });
    const met = find(checkTargets([row('peerSeen', 1000, { baseline: 50, legacy: 500, unified: 60 })]), 'unified peerSeen at least 5x');
    expect(met).toMatchObject({ verdict: 'met', measured: '8.33x at 1k' });
  });

  it('judges the reaper flat or not, with the baseline’s own spread beside it', () => {
    const checks = checkTargets([
      row('reaperScan', 1000, { baseline: 10, legacy: 400, unified: 30 }),
      row('reaperScan', 100_000, { baseline: 25, legacy: 600, unified: 60 }),
    ]);
    expect(find(checks, 'unified reaper scan flat')).toMatchObject({ verdict: 'not met', measured: "max/min 2.00x over 1k, 100k; the bare-map baseline's own max/min 2.50x" });
    expect(find(checks, 'unified reaper scan at least 2x')).toMatchObject({ verdict: 'met', measured: '10x at 100k' });
  });

  it('judges shadow against legacy and, where it misses, says what both managers bare cost', () => {
    const checks = checkTargets([
      row('sendToPeer', 1000, { legacy: 1000, unified: 100, shadow: 1400, bothManagers: 1250 }),
      row('sendToPeer', 100_000, { legacy: 2000, unified: 400 }),
    ]);
    expect(find(checks, 'shadow sendToPeer')).toMatchObject({ verdict: 'not met', measured: '1.40x at 1k; both managers bare cost 1.25x at 1k' });
    const send = checkTargets([row('sendToPeer', 100_000, { baseline: 1000, legacy: 2500, unified: 1300 })]);
    expect(find(send, 'unified sendToPeer overhead')).toMatchObject({ verdict: 'not met', measured: '1.92x at 100k; the bare-map floor itself is 2.50x at 100k' });
    const met = find(checkTargets([row('peerSeen', 1000, { legacy: 1000, shadow: 1200, bothManagers: 1100 })]), 'shadow peerSeen');
    expect(met).toMatchObject({ verdict: 'met', measured: '1.20x at 1k' });
  });
});
