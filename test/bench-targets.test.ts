import { describe, expect, it } from 'vitest';
import { formatMarkdown, formatReport } from '../src/bench/report.js';
import type { BenchReport, BenchResult, ProfiledMiss, ProfileSummary, RunFigures } from '../src/bench/results.js';
import { checkTargets, memoryMisses, missedAt } from '../src/bench/targets.js';

// The verdicts on made-up figures: what is met, what is not, and the floor and the profile put beside a miss.
const row = (metric: BenchResult['metric'], n: number, v: Partial<BenchResult>): BenchResult => ({ metric, n, unit: 'ns/op', better: 'lower', ...v });
const find = (checks: ReturnType<typeof checkTargets>, start: string) => {
  const found = checks.find((c) => c.target.startsWith(start));
  if (!found) throw new Error(`no target starting ${start}`);
  return found;
};
const profile: ProfileSummary = { top: [{ function: 'hotPath', at: 'dist/unified/x.js:12', share: 0.4 }], gc: 0.05, ms: 400, samples: 3900 };
const RUN: RunFigures = {
  wallMs: 200_000,
  phases: [
    { name: 'counted figures', ms: 2_000 },
    { name: 'per-operation figures, 100000 peers', ms: 150_000 },
    { name: 'broadcastWs', ms: 48_000 },
  ],
  peakHeapBytes: 1.5 * 2 ** 30, peakHeapPhase: 'per-operation figures, 100000 peers', peakLiveHeapBytes: 2 ** 29, peakRssBytes: 2 * 2 ** 30, heapLimitBytes: 4 * 2 ** 30 };

describe('bench targets: unified against the bare-map floor', () => {
  it('meets within 1.25x at every size, and says which of the sizes named were not run', () => {
    const checks = checkTargets([row('peerSeen', 1000, { baseline: 50, unified: 60 }), row('peerSeen', 10_000, { baseline: 100, unified: 110 })]);
    expect(find(checks, 'unified peerSeen')).toMatchObject({ group: 'unified vs the floor', verdict: 'met', measured: '1.20x at 1k, 1.10x at 10k (100k not run)' });
    expect(find(checks, 'unified peerSeen').floor).toBeUndefined();
  });

  it('misses above 1.25x at any size, with the floor figures beside and the profile of the worst size', () => {
    const results = [row('sendToPeer', 1000, { baseline: 100, unified: 130 }), row('sendToPeer', 100_000, { baseline: 496, unified: 694.4 })];
    const profiles: ProfiledMiss[] = [
      { metric: 'sendToPeer', impl: 'unified', n: 1000, profile: { ...profile, top: [] } },
      { metric: 'sendToPeer', impl: 'unified', n: 100_000, profile },
    ];
    const c = find(checkTargets(results, { profiles }), 'unified sendToPeer');
    expect(c).toMatchObject({ verdict: 'not met', measured: '1.30x at 1k, 1.40x at 100k (10k not run)' });
    expect(c.floor).toBe('unified 1.40x of the floor at 100k; the floor itself 100 ns/op at 1k, 496 ns/op at 100k');
    expect(c.cause).toEqual({ metric: 'sendToPeer', impl: 'unified', n: 100_000, profile });
    // Without profiles (profiling off), the miss says so instead of a cause.
    expect(find(checkTargets(results), 'unified sendToPeer').cause).toEqual({ note: 'not profiled in this run' });
  });

  it('judges every per-operation figure, the listings and the reaper too', () => {
    const checks = checkTargets([
      row('getConnectedPeers', 1000, { baseline: 6, unified: 6.1 }),
      row('getPeerIps', 1000, { baseline: 6, unified: 9 }),
      row('reaperScan', 1000, { baseline: 11, unified: 13 }),
    ]);
    expect(find(checks, 'unified getConnectedPeers').verdict).toBe('met');
    expect(find(checks, 'unified getPeerIps').verdict).toBe('not met');
    expect(find(checks, 'unified reaperScan within').verdict).toBe('met');
    expect(find(checks, 'unified sendToPeer').verdict).toBe('not measured');
  });

  it("judges the reaper's growth from 1k to 100k against the floor's own growth", () => {
    const met = checkTargets([row('reaperScan', 1000, { baseline: 10, unified: 20 }), row('reaperScan', 100_000, { baseline: 30, unified: 80 })]);
    expect(find(met, "unified reaperScan's growth")).toMatchObject({ verdict: 'met', measured: '1.33x (unified grows 4.00x from 1k to 100k, the floor 3.00x)' });
    const missed = checkTargets([row('reaperScan', 1000, { baseline: 10, unified: 20 }), row('reaperScan', 100_000, { baseline: 30, unified: 124 })], {
      profiles: [{ metric: 'reaperScan', impl: 'unified', n: 100_000, profile }],
    });
    const c = find(missed, "unified reaperScan's growth");
    expect(c).toMatchObject({ verdict: 'not met', floor: 'the floor itself 10.0 ns/op at 1k, 30.0 at 100k' });
    expect(c.cause).toMatchObject({ n: 100_000, profile });
    const quick = checkTargets([row('reaperScan', 1000, { baseline: 10, unified: 20 }), row('reaperScan', 10_000, { baseline: 20, unified: 80 })]);
    expect(find(quick, "unified reaperScan's growth")).toMatchObject({ verdict: 'not measured', measured: '2.00x (unified grows 4.00x from 1k to 10k, the floor 2.00x) (not the full range)' });
  });
});

describe('bench targets: shadow and live against both managers', () => {
  it('judges shadow and live apart, at 1k and 10k, and reports 100k without judging it', () => {
    const checks = checkTargets([
      row('peerSeen', 1000, { legacy: 400, shadow: 540, live: 600, bothManagers: 480 }),
      row('peerSeen', 10_000, { legacy: 500, shadow: 900, live: 700, bothManagers: 800 }),
      row('peerSeen', 100_000, { legacy: 900, shadow: 3000, live: 3000, bothManagers: 1500 }),
    ]);
    expect(find(checks, 'shadow peerSeen')).toMatchObject({
      group: 'shadow and live vs both managers',
      verdict: 'met',
      measured: '1.13x at 1k, 1.13x at 10k (2.00x at 100k, not judged)',
    });
    const live = find(checks, 'live peerSeen');
    expect(live).toMatchObject({ verdict: 'not met', measured: '1.25x at 1k, 0.88x at 10k (2.00x at 100k, not judged)' });
    expect(live.floor).toBe('live 1.25x of both managers at 1k; both managers bare 480 ns/op at 1k (1.20x legacy)');
    expect(live.cause).toEqual({ note: 'not profiled in this run' });
  });

  it('has a floor for every per-operation figure, and says when the floor is missing', () => {
    const checks = checkTargets([
      row('getPeerIps', 1000, { legacy: 4, shadow: 14, bothManagers: 10 }),
      row('reaperScan', 1000, { legacy: 400, shadow: 2000, bothManagers: 500 }),
      row('sendToPeer', 1000, { legacy: 1000, shadow: 1400 }),
    ]);
    expect(find(checks, 'shadow getPeerIps')).toMatchObject({ verdict: 'not met', measured: '1.40x at 1k (10k not run)' });
    expect(find(checks, 'shadow reaperScan').floor).toBe('shadow 4.00x of both managers at 1k; both managers bare 500 ns/op at 1k (1.25x legacy)');
    expect(find(checks, 'shadow sendToPeer')).toMatchObject({ verdict: 'not measured', measured: 'its floor not measured' });
  });

  it('names the implementations that miss in a row, for the profiler: unified against the floor, the dual-mode pool against both up to 10k', () => {
    expect(missedAt(row('peerSeen', 1000, { baseline: 100, unified: 130, shadow: 600, live: 500, bothManagers: 500 }))).toEqual(['unified', 'shadow']);
    expect(missedAt(row('peerSeen', 100_000, { baseline: 100, unified: 120, shadow: 900, bothManagers: 500 }))).toEqual([]);
    expect(missedAt(row('memoryPerPeer', 1000, { baseline: 100, unified: 500 }))).toEqual([]);
  });
});

describe('bench targets: memory, scale, network, counted', () => {
  it("judges shadow's and live's memory per peer against legacy's plus unified's", () => {
    const checks = checkTargets([row('memoryPerPeer', 10_000, { unit: 'bytes/peer', baseline: 107, legacy: 1172, unified: 497, shadow: 2996, live: 2000 })]);
    const shadow = find(checks, 'shadow memory');
    expect(shadow).toMatchObject({ group: 'memory', verdict: 'not met', measured: '1.80x (2,996 B against 1,172 + 497 = 1,669 B at 10k)' });
    expect(shadow.floor).toBe('legacy + unified 1,669 B a peer at 10k; the bare map 107 B');
    expect(find(checks, 'live memory')).toMatchObject({ verdict: 'met', measured: '1.20x (2,000 B against 1,172 + 497 = 1,669 B at 10k)' });
    expect(shadow.cause).toEqual({ note: 'not heap-profiled in this run' });
    const heap = { top: [{ function: 'addConnectedPeer', at: 'dist/src/dual/x.js:3', share: 0.3 }], bytes: 30e6 };
    const profiled = checkTargets([row('memoryPerPeer', 10_000, { legacy: 1000, unified: 500, shadow: 3000 })], { heapProfiles: [{ impl: 'shadow', n: 10_000, heap }] });
    expect(find(profiled, 'shadow memory').cause).toEqual({ impl: 'shadow', n: 10_000, heap });
    expect(memoryMisses([row('memoryPerPeer', 10_000, { legacy: 1000, unified: 500, shadow: 3000, live: 1800 })])).toEqual([{ impl: 'shadow', n: 10_000 }]);
  });

  it('needs shadow and live at 100k for every per-operation figure, and says what capped them', () => {
    const at100k = [row('peerSeen', 100_000, { unified: 1, shadow: 2, live: 2 }), row('reaperScan', 100_000, { unified: 1, shadow: 2, live: 2 })];
    expect(find(checkTargets(at100k, { run: RUN }), 'the dual-mode pool measured at 100k')).toMatchObject({ group: 'scale', verdict: 'met' });
    const capped = checkTargets([row('peerSeen', 100_000, { unified: 1 })], { run: RUN, dualCap: 'capped at 20000 peers (MAX_PEERS): too big' });
    expect(find(capped, 'the dual-mode pool measured at 100k')).toMatchObject({ verdict: 'not met', floor: 'capped at 20000 peers (MAX_PEERS): too big' });
    expect(find(checkTargets([row('peerSeen', 10_000, { unified: 1 })], { quick: true }), 'the dual-mode pool measured at 100k').verdict).toBe('not measured');
  });

  it('judges the wall time of a full run and the peak heap against the limit', () => {
    const ok = checkTargets([], { run: RUN });
    expect(find(ok, 'the whole run')).toMatchObject({ verdict: 'met', measured: '200 s' });
    expect(find(ok, 'peak V8 heap')).toMatchObject({ verdict: 'met', measured: '1,536 MB of 4,096 MB (38 %, in per-operation figures, 100000 peers); live after a full GC at most 512 MB; peak RSS 2,048 MB' });
    const slow = checkTargets([], { run: { ...RUN, wallMs: 330_000, peakHeapBytes: 4 * 2 ** 30 } });
    expect(find(slow, 'the whole run')).toMatchObject({
      verdict: 'not met',
      floor: 'limit 300 s',
      cause: { note: 'the longest phases: per-operation figures, 100000 peers 150 s, broadcastWs 48 s, counted figures 2 s' },
    });
    expect(find(slow, 'peak V8 heap').verdict).toBe('not met');
    expect(find(checkTargets([], { run: RUN, quick: true }), 'the whole run')).toMatchObject({ verdict: 'not measured', measured: '200 s (--quick: not a full run)' });
    expect(find(checkTargets([], { run: { ...RUN, heapLimitFlag: '--max-old-space-size=8192' } }), 'peak V8 heap').verdict).toBe('not measured');
  });

  it('judges broadcastWs in shadow against legacy and through unified against the raw loop, with the floor on a miss', () => {
    const ws = (v: Partial<BenchResult>) => checkTargets([row('broadcastWs', 100, { unit: 'deliveries/s', better: 'higher', ...v })]);
    const checks = ws({ baseline: 95_000, legacy: 66_000, unified: 80_000, shadow: 64_000 });
    expect(find(checks, 'broadcastWs in shadow')).toMatchObject({ group: 'network', verdict: 'met', measured: '97 % of legacy' });
    const unified = find(checks, 'broadcastWs through unified');
    expect(unified).toMatchObject({ verdict: 'not met', measured: '84 % of the raw ws loop' });
    expect(unified.floor).toBe('the raw ws loop itself 95,000 deliveries/s, unified 80,000');
  });

  it('keeps the counted figures', () => {
    const checks = checkTargets([row('lockAcquisitionsPerSend', 1000, { unit: 'count', legacy: 3, unified: 1 }), row('mapLookupsPerSend', 1000, { unit: 'count', unified: 2 })]);
    expect(find(checks, 'lock acquisitions per send: legacy 3')).toMatchObject({ group: 'counted', verdict: 'met' });
    expect(find(checks, 'lock acquisitions per send: unified at most 1').verdict).toBe('met');
    expect(find(checks, 'map lookups per send: unified 1').verdict).toBe('not met');
  });
});

describe('bench printout', () => {
  const results = [
    row('peerSeen', 1000, { baseline: 75.5, legacy: 410, unified: 120, shadow: 1088, live: 1596, bothManagers: 482, spread: { baseline: 0.04 } }),
    row('memoryPerPeer', 10_000, { unit: 'bytes/peer', baseline: 112, legacy: 1212, unified: 513, shadow: 3685, live: 2690 }),
  ];
  const report: BenchReport = {
    node: 'v20',
    cpu: 'cpu',
    cores: 2,
    platform: 'linux',
    date: '2026-12-07T00:00:00Z',
    quick: false,
    skipped: {},
    notes: [],
    results,
    targets: checkTargets(results, {
      run: RUN,
      profiles: [{ metric: 'peerSeen', impl: 'unified', n: 1000, profile: { ...profile, top: [...profile.top, { function: 'next', at: '', share: 0.1 }] } }],
      heapProfiles: [{ impl: 'live', n: 10_000, heap: { top: [{ function: 'track', at: 'dist/src/dual/t.js:7', share: 0.25 }, { function: 'off', at: 'dist/src/bench/c.js:2', share: 0.2 }], bytes: 31.5 * 2 ** 20 } }],
    }),
    wallMs: RUN.wallMs,
    phases: RUN.phases,
    peakHeapBytes: RUN.peakHeapBytes,
    peakHeapPhase: RUN.peakHeapPhase,
    peakLiveHeapBytes: RUN.peakLiveHeapBytes,
    peakRssBytes: RUN.peakRssBytes,
    heapLimitBytes: RUN.heapLimitBytes,
  };

  it('prints the targets by group, each miss with its floor and its cause, within 120 columns', () => {
    const text = formatReport(report);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
    const groups = ['unified vs the floor', 'shadow and live vs both managers', 'memory', 'scale', 'network', 'counted'].map((g) => text.indexOf(`\n  ${g}\n`));
    expect(groups.every((at, i) => at > 0 && (i === 0 || at > groups[i - 1]!))).toBe(true);
    expect(text).toContain('[NOT MET]      unified peerSeen within 1.25x of the bare-map floor at 1k, 10k, 100k: 1.59x at 1k (10k, 100k not run)');
    expect(text).toContain('floor: unified 1.59x of the floor at 1k; the floor itself 75.5 ns/op at 1k');
    expect(text).toContain(
      [
        '                   cause: unified peerSeen at 1k, 400 ms profiled, GC 5 %:',
        '                          40 %  hotPath  dist/unified/x.js:12',
        '                          10 %  next  (native)',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        '                   cause: live at 10k, its live memory (32 MB sampled) by allocating function:',
        '                          25 %  track  dist/src/dual/t.js:7',
        '                          20 %  off  dist/src/bench/c.js:2 (bench harness)',
      ].join('\n'),
    );
    expect(text).toContain('                   cause: not heap-profiled in this run');
    expect(text.replace(/\n {5}/g, ' ')).toContain(
      'run: 200 s; peak V8 heap used 1,536 MB of its 4,096 MB limit (in per-operation figures, 100000 peers), live at most 512 MB; peak RSS 2,048 MB',
    );
    // The per-operation table carries both managers and each pool's ratio to its floor.
    expect(text).toMatch(/peerSeen +1k +ns\/op +75\.5 ±4 +410 +120 +1,088 +1,596 +482 +1\.59x +2\.26x +3\.31x/);
  });

  it('writes the same targets as a markdown table, floor and cause in their own columns', () => {
    const text = formatMarkdown(report);
    expect(text).toContain('| unified vs the floor | unified peerSeen within 1.25x of the bare-map floor at 1k, 10k, 100k | not met | 1.59x at 1k (10k, 100k not run) | unified 1.59x of the floor at 1k; the floor itself 75.5 ns/op at 1k | unified peerSeen at 1k, 400 ms profiled: hotPath 40 % (dist/unified/x.js:12), next 10 %; GC 5 % |');
    expect(text).toContain('| metric | n | unit | baseline | legacy | unified | shadow | live | both | u/floor | s/both | l/both |');
  });
});
