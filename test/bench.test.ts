import { describe, expect, it } from 'vitest';
import { countedFigures } from '../src/bench/counts.js';
import { CountingMap, MapCounters } from '../src/bench/counting-map.js';
import { toJson } from '../src/bench/report.js';
import type { BenchReport, BenchResult } from '../src/bench/results.js';
import { runBench } from '../src/bench/run.js';

// The harness's own smoke test: it runs, and what it counts is what it must be. Never a timing threshold.
describe('poolshift bench', () => {
  it('counts 3 lock acquisitions per legacy send, at most 1 per unified send, and 1 map lookup per unified send', async () => {
    const rows = await countedFigures(['baseline', 'legacy', 'unified'], 20);
    const row = (metric: string): BenchResult => rows.find((r) => r.metric === metric)!;
    expect(row('lockAcquisitionsPerSend')).toMatchObject({ legacy: 3, baseline: 0 });
    expect(row('lockAcquisitionsPerSend').unified).toBeLessThanOrEqual(1);
    expect(row('mapLookupsPerSend')).toMatchObject({ unified: 1, baseline: 1 });
    expect(row('mapLookupsPerSend').legacy).toBeGreaterThanOrEqual(2);
    expect(row('lockAcquisitionsPerPeerSeen')).toMatchObject({ legacy: 1, unified: 0 });
  });

  it('counts keyed accesses and whole-map passes apart', () => {
    const counters = new MapCounters();
    const map = new CountingMap<string, number>(counters);
    map.set('a', 1);
    map.get('a');
    map.has('b');
    map.delete('a');
    for (const _ of map) void _;
    expect(counters).toMatchObject({ lookups: 4, scans: 1 });
  });

  it('writes the JSON shape of the issue, with the counted figures and a verdict per target', { timeout: 180_000 }, async () => {
    const report = await runBench({
      quick: true,
      skipNetwork: true,
      log: () => undefined,
      sizes: [40],
      memoryPeers: 40,
      countPeers: 20,
      opsPerSample: 4,
      timing: { timeMs: 1, warmupMs: 1, minSamples: 2, rounds: 1 },
      profileMs: 5,
    });
    const json = JSON.parse(toJson(report)) as BenchReport;
    expect(json.node).toBe(process.version);
    expect(typeof json.cpu).toBe('string');
    expect(Array.isArray(json.results)).toBe(true);
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['metric', 'n', 'unit']));
      for (const impl of ['legacy', 'unified', 'baseline'] as const) expect(typeof r[impl]).toBe('number');
      for (const impl of ['shadow', 'live'] as const) if (impl in r) expect(typeof r[impl]).toBe('number');
    }
    // Where the dual-mode pool is measured, the floor it is read against is measured beside it.
    for (const r of json.results.filter((r) => ['peerSeen', 'sendToPeer', 'getConnectedPeers', 'getPeerIps', 'reaperScan'].includes(r.metric) && 'shadow' in r)) {
      expect(typeof r.bothManagers).toBe('number');
    }
    // The run's own cost, judged by the scale targets.
    expect(json.wallMs).toBeGreaterThan(0);
    expect(json.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['counted figures', 'per-operation figures, 40 peers', 'memory per peer, 40 peers']));
    expect(json.peakHeapBytes).toBeGreaterThan(0);
    expect(json.peakHeapBytes).toBeLessThan(json.heapLimitBytes);
    expect(json.peakRssBytes).toBeGreaterThan(0);
    const metrics = new Set(json.results.map((r) => r.metric));
    for (const m of ['peerSeen', 'sendToPeer', 'getConnectedPeers', 'getPeerIps', 'reaperScan', 'lockAcquisitionsPerSend', 'mapLookupsPerSend', 'memoryPerPeer']) {
      expect(metrics).toContain(m);
    }
    const send = json.results.find((r) => r.metric === 'lockAcquisitionsPerSend')!;
    expect(send.legacy).toBe(3);
    expect(send.unified).toBeLessThanOrEqual(1);
    expect(json.results.find((r) => r.metric === 'mapLookupsPerSend')!.unified).toBe(1);
    expect(json.targets.length).toBeGreaterThan(0);
    for (const t of json.targets) expect(['met', 'not met', 'not measured']).toContain(t.verdict);
    // Every miss has its floor beside it, and every per-operation miss its profile, taken on the spot.
    const misses = json.targets.filter((t) => t.verdict === 'not met');
    for (const t of misses) expect(t.floor).toBeTruthy();
    const perOperation = misses.filter((t) => (t.group === 'unified vs the floor' && !t.target.includes('growth')) || t.group === 'shadow and live vs both managers');
    for (const t of perOperation) expect(t.cause && 'profile' in t.cause ? t.cause.profile.samples : -1).toBeGreaterThanOrEqual(0);
    // Counted targets are judged on counts, so they hold on any machine.
    for (const t of json.targets.filter((t) => t.target.startsWith('lock acquisitions') || t.target.startsWith('map lookups'))) {
      expect(t.verdict).toBe('met');
    }
  });
});
