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
   * peerSeen and sendToPeer, where the dual-mode pool is measured: legacy's call awaited, then
   * unified's, and nothing else. The least any pool running both managers costs: the floor the
   * shadow figure is read against. Not a pool, so not a column of the table.
   */
  readonly bothManagers?: number;
  /** Median absolute deviation over the median, per implementation (timed figures only). */
  readonly spread?: Partial<Record<Impl, number>>;
  /** Whether a lower figure is better (times, counts, bytes) or a higher one (throughput). */
  readonly better: 'lower' | 'higher';
}

export type Verdict = 'met' | 'not met' | 'not measured';

export interface TargetCheck {
  readonly target: string;
  readonly verdict: Verdict;
  /** The measured figure the verdict rests on, in words. */
  readonly measured: string;
}

export interface BenchReport {
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
