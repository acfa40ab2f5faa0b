import type { Impl } from './subjects.js';

export type Metric =
  | 'peerSeen'
  | 'sendToPeer'
  | 'getConnectedPeers'
  | 'getPeerIps'
  | 'reaperScan'
  | 'lockAcquisitionsPerSend'
  | 'mapLookupsPerSend'
  | 'lockAcquisitionsPerPeerSeen'
  | 'mapLookupsPerPeerSeen'
  | 'memoryPerPeer'
  | 'broadcastWs';

/** One row of the results: a metric at one size, one figure per implementation. */
export interface BenchResult {
  readonly metric: Metric;
  readonly n: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly legacy?: number;
  readonly unified?: number;
  readonly shadow?: number;
  readonly live?: number;
  /**
   * Every per-operation figure, where the dual-mode pool is measured: legacy's call awaited, then
   * unified's, and nothing else, on two bare managers holding the same peers (for the listings,
   * both listings; for the reaper, both managers' passes). The least any pool running both
   * managers costs: the floor the shadow and live figures are read against.
   */
  readonly bothManagers?: number;
  /** Median absolute deviation over the median, per implementation (timed figures only). */
  readonly spread?: Partial<Record<Impl, number>>;
  /** Whether a lower figure is better (times, counts, bytes) or a higher one (throughput). */
  readonly better: 'lower' | 'higher';
}

export type Verdict = 'met' | 'not met' | 'not measured';

/** The groups the targets are printed in, in this order. */
export const TARGET_GROUPS = ['unified vs the floor', 'shadow and live vs both managers', 'memory', 'scale', 'network', 'counted'] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

/** One function of a CPU profile and its share of the profiled (non-idle) time. */
export interface ProfileEntry {
  readonly function: string;
  /** file:line (1-based), relative to the working directory; empty for native code. */
  readonly at: string;
  /** Self time over the profiled non-idle time, 0..1. */
  readonly share: number;
}

/** What a short in-process CPU profile of one operation says its time goes to. */
export interface ProfileSummary {
  /** The functions with the most self time, heaviest first, without (idle), (program), (root) and GC. */
  readonly top: ProfileEntry[];
  /** The garbage collector's share of the profiled non-idle time, 0..1. */
  readonly gc: number;
  /** Profiled wall time, ms, and the samples taken in it. */
  readonly ms: number;
  readonly samples: number;
}

/** What a pool's live memory was allocated by: a sampling heap profile, by allocating function. */
export interface HeapProfileSummary {
  /** Heaviest first; share of the live sampled bytes. */
  readonly top: ProfileEntry[];
  /** Live bytes the samples stand for. */
  readonly bytes: number;
}

/** A missed memory figure, its pool heap-profiled while being filled. */
export interface HeapProfiledMiss {
  readonly impl: Impl;
  readonly n: number;
  readonly heap: HeapProfileSummary;
}

/** A missed per-operation figure, profiled after the timings of its size. */
export interface ProfiledMiss {
  readonly metric: Metric;
  readonly impl: Impl;
  readonly n: number;
  readonly profile: ProfileSummary;
}

export interface TargetCheck {
  readonly group: TargetGroup;
  readonly target: string;
  readonly verdict: Verdict;
  /** The measured figure the verdict rests on, in words. */
  readonly measured: string;
  /** On a miss: the floor that bounds it, in words (e.g. "the floor itself 496 ns/op at 100k"). */
  readonly floor?: string;
  /** On a miss of a per-operation figure: what the profile of the worst missed size says, or why there is none. */
  readonly cause?: { readonly metric: Metric; readonly impl: Impl; readonly n: number; readonly profile: ProfileSummary } | HeapProfiledMiss | { readonly note: string };
}

/** What the whole run cost: judged by the scale targets. */
export interface RunFigures {
  /** Wall time of the whole run (every figure, the profiles of the misses), ms. */
  readonly wallMs: number;
  /** Where it went: each phase's wall time, ms, in run order (profiles count in their phase). */
  readonly phases: readonly { readonly name: string; readonly ms: number }[];
  /** The highest V8 heap used seen (sampled every 100 ms and after every phase), bytes. */
  readonly peakHeapBytes: number;
  /** What the run was doing when the heap peaked (e.g. "per-operation figures, 100000 peers"). */
  readonly peakHeapPhase: string;
  /** The highest V8 heap used read right after a forced full GC (every pool of a size full), bytes: reported, not judged. */
  readonly peakLiveHeapBytes: number;
  /** The process's peak resident set (the kernel's maxRSS), bytes: reported, not judged. */
  readonly peakRssBytes: number;
  /** V8's heap limit in this process (v8.getHeapStatistics().heap_size_limit), bytes. */
  readonly heapLimitBytes: number;
  /** Set when the heap limit was raised by a flag (--max-old-space-size...): then not Node's default. */
  readonly heapLimitFlag?: string;
}

/** The run's figures and targets, and what the run cost (rounded to whole ms; the heap limit flag shows in the targets only). */
export interface BenchReport extends Omit<RunFigures, 'heapLimitFlag'> {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly platform: string;
  readonly date: string;
  readonly quick: boolean;
  /** Implementations left out of this run, and why (e.g. the dual-mode pool not available). */
  readonly skipped: Readonly<Partial<Record<Impl, string>>>;
  /** Figures left out for one implementation only, and why. */
  readonly notes: string[];
  readonly results: BenchResult[];
  readonly targets: TargetCheck[];
}

export function figure(result: BenchResult | undefined, impl: Impl): number | undefined {
  return result?.[impl];
}
