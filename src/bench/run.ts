import { cpus, platform, release } from 'node:os';
import { countedFigures } from './counts.js';
import { memoryFigures } from './memory.js';
import { MAX_PEERS, measuredAt, perOperationFigures, type MissProfiling } from './per-operation.js';
import { profileHeap } from './heap-profile.js';
import type { BenchReport, BenchResult, HeapProfiledMiss, ProfiledMiss } from './results.js';
import { RunCost } from './run-cost.js';
import { benchPeers, dualModeAvailable, instantConnectionFor, makeSubject, type Impl } from './subjects.js';
import { checkTargets, memoryMisses, missedAt } from './targets.js';
import { systemClock } from '../contract/clock.js';
import type { TimingOptions } from './timing.js';
import { broadcastWsFigures } from './broadcast-ws.js';

export interface BenchOptions {
  /** The smaller sizes only, shorter timings: under a minute. */
  readonly quick?: boolean;
  /** Leave out the network figure (no sockets, no child process). */
  readonly skipNetwork?: boolean;
  /** Progress lines (to stderr by default). */
  readonly log?: (line: string) => void;
  /** Overrides, for a smoke test of the harness itself: peer counts, timing, operations per sample. */
  readonly sizes?: readonly number[];
  readonly memoryPeers?: number;
  readonly countPeers?: number;
  readonly timing?: TimingOptions;
  readonly opsPerSample?: number;
  /**
   * Profile each per-operation figure that misses its target, after its size's timings, for this
   * long (ms); 0: no profiles. Default 400 (300 with --quick).
   */
  readonly profileMs?: number;
}

export const FULL_SIZES = [1_000, 10_000, 100_000] as const;
export const QUICK_SIZES = [1_000, 10_000] as const;

// 300 ms a contender and round: with six contenders at three sizes and the dual-mode pool at 100k, 400 ms took the run past 5 minutes (321 s).
const FULL_TIMING: TimingOptions = { timeMs: 300, warmupMs: 100, minSamples: 32, rounds: 3 };
const QUICK_TIMING: TimingOptions = { timeMs: 50, warmupMs: 20, minSamples: 8, rounds: 2 };

/** Runs every figure for every implementation available, side by side, and judges the targets. */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const cost = new RunCost();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick ?? false;
  const skipped: Partial<Record<Impl, string>> = {};
  const impls: Impl[] = ['baseline', 'legacy', 'unified'];
  const dual = await dualModeAvailable();
  if (dual === true) impls.push('shadow', 'live');
  else skipped.shadow = skipped.live = dual;

  const results: BenchResult[] = [];
  const poolImpls = impls.filter((impl) => impl !== 'baseline');
  cost.phase('counted figures');
  log('counting lock acquisitions and map lookups');
  results.push(...(await countedFigures(impls, options.countPeers ?? 1_000)));

  const timing = options.timing ?? (quick ? QUICK_TIMING : FULL_TIMING);
  const profiles: ProfiledMiss[] = [];
  const profileMs = options.profileMs ?? (quick ? 300 : 400);
  const profiling: MissProfiling | undefined = profileMs > 0 ? { ms: profileMs, missed: missedAt, record: (miss) => profiles.push(miss) } : undefined;
  for (const n of options.sizes ?? (quick ? QUICK_SIZES : FULL_SIZES)) {
    cost.phase(`per-operation figures, ${n} peers`);
    log(`per-operation figures, ${n} peers`);
    results.push(...(await perOperationFigures(impls, n, timing, log, { opsPerSample: options.opsPerSample, profiling, afterFill: () => cost.sampleLive() })));
    cost.sample();
  }

  const memorySizes = options.memoryPeers ? [options.memoryPeers] : quick ? [10_000] : [10_000, 100_000];
  for (const n of memorySizes) {
    cost.phase(`memory per peer, ${n} peers`);
    log(`memory per peer, ${n} peers`);
    results.push(await memoryFigures(impls.filter((impl) => measuredAt(impl, n)), n));
    cost.sample();
  }

  // A memory figure that misses: what the pool's live memory was allocated by, on a pool of at most
  // 10k peers (the per-peer structure is the same at 100k; filling 100k again would cost seconds).
  const heapProfiles: HeapProfiledMiss[] = [];
  if (profiling) {
    for (const miss of memoryMisses(results)) {
      const n = Math.min(miss.n, 10_000);
      cost.phase(`heap profile, ${miss.impl}`);
      log(`heap-profiling ${miss.impl} at ${n} peers (memory per peer missed its target)`);
      const infos = benchPeers(n);
      const connections = infos.map(instantConnectionFor);
      const heap = await profileHeap(async () => {
        const subject = makeSubject(miss.impl, { clock: systemClock });
        for (let i = 0; i < n; i++) await subject.pool.addConnectedPeer(connections[i]!, infos[i]!);
        return () => subject.pool.close();
      });
      heapProfiles.push({ impl: miss.impl, n, heap });
    }
  }

  if (!options.skipNetwork) {
    cost.phase('broadcastWs');
    log('broadcastWs over loopback, peers in a child process');
    results.push(await broadcastWsFigures(poolImpls, { quick, log }));
  }

  // Group the rows by metric, sizes ascending, in the order the issue lists them.
  const order = ['peerSeen', 'sendToPeer', 'getConnectedPeers', 'getPeerIps', 'reaperScan'];
  results.sort((a, b) => {
    const ia = order.indexOf(a.metric);
    const ib = order.indexOf(b.metric);
    return ia === -1 || ib === -1 ? (ia === -1 ? 1 : 0) - (ib === -1 ? 1 : 0) : ia - ib || a.n - b.n;
  });

  const sizes = [...(options.sizes ?? (quick ? QUICK_SIZES : FULL_SIZES)), ...memorySizes];
  const notes = impls.flatMap((impl) => {
    const max = MAX_PEERS[impl];
    return max && sizes.some((n) => n > max.n) ? [`${impl} above ${max.n} peers: ${max.why}`] : [];
  });
  const cap = MAX_PEERS.shadow ?? MAX_PEERS.live;
  const run = cost.finish();
  const { heapLimitFlag: _flag, ...figures } = run;
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    platform: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    quick,
    skipped,
    notes,
    results,
    targets: checkTargets(results, { profiles: profiling ? profiles : undefined, heapProfiles: profiling ? heapProfiles : undefined, run, quick, dualCap: cap ? `capped at ${cap.n} peers (MAX_PEERS): ${cap.why}` : undefined }),
    ...figures,
    wallMs: Math.round(run.wallMs),
    phases: run.phases.map((p) => ({ name: p.name, ms: Math.round(p.ms) })),
  };
}
