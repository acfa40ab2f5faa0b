import { BenchClock } from './bench-clock.js';
import { forceGc } from './memory.js';
import { profileWork } from './profile.js';
import type { BenchResult, ProfiledMiss } from './results.js';
import {
  BENCH_MESSAGE,
  benchPeers,
  instantConnectionFor,
  makeSubject,
  type Impl,
  type Subject,
} from './subjects.js';
import { POOL_DEFAULTS } from '../pool/pool-options.js';
import { timeSideBySide, type TimedTask, type TimingOptions } from './timing.js';
import type { Summary } from './stats.js';
import type { PeerInfo } from '../contract/types.js';

/** Operations per timed sample for peerSeen and sendToPeer (20 times as many peers for the listings): enough to dwarf the timer's cost. */
const OPS_PER_SAMPLE = 1000;
/** The reaper figure's share of stale peers. */
const STALE_SHARE = 10;


/**
 * The largest pool each implementation is measured at, and why: none is capped now. The dual-mode
 * pool was capped at 20k until a shadow reaper pass at 100k took 22-43 s (one snapshot of the
 * mirror per 50 ms of a burst: quadratic); it looks up one entry per removal now (0.7 s a pass).
 * Kept for an implementation that cannot be measured at some size: the report says why.
 */
export const MAX_PEERS: Partial<Record<Impl, { readonly n: number; readonly why: string }>> = {};

export function measuredAt(impl: Impl, n: number): boolean {
  return n <= (MAX_PEERS[impl]?.n ?? Infinity);
}

/** A fixed shuffle, so every implementation visits the keys in the same, cache-unfriendly order. */
function shuffled<T>(items: readonly T[], seed = 0x9e3779b9): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function fill(subject: Subject, infos: readonly PeerInfo[]): Promise<void> {
  for (const info of infos) await subject.pool.addConnectedPeer(instantConnectionFor(info), info);
}

function peerSeenTask(subject: Subject, keys: readonly string[], ops: number): TimedTask {
  const pool = subject.pool;
  let at = 0;
  return {
    name: subject.impl,
    work: ops,
    fn: async () => {
      let j = at;
      for (let i = 0; i < ops; i++) {
        const pending = pool.peerSeen(keys[j]!);
        if (pending !== undefined) await pending;
        if (++j === keys.length) j = 0;
      }
      at = j;
    },
  };
}

function sendTask(subject: Subject, keys: readonly string[], ops: number): TimedTask {
  const pool = subject.pool;
  let at = 0;
  return {
    name: subject.impl,
    work: ops,
    fn: async () => {
      let j = at;
      for (let i = 0; i < ops; i++) {
        await pool.sendToPeer(keys[j]!, BENCH_MESSAGE);
        if (++j === keys.length) j = 0;
      }
      at = j;
    },
  };
}

/**
 * The floor for running both managers: a legacy and a unified manager, each holding the peers,
 * and per operation legacy's call awaited, then unified's (awaited only where it returns a
 * promise, as the dual-mode pool does). No gate, no bookkeeping, no comparison.
 */
function bothManagersTask(op: 'peerSeen' | 'sendToPeer', pair: readonly [Subject, Subject], keys: readonly string[], ops: number): TimedTask {
  const [legacy, unified] = [pair[0].pool, pair[1].pool];
  let at = 0;
  return {
    name: BOTH,
    work: ops,
    fn: async () => {
      let j = at;
      for (let i = 0; i < ops; i++) {
        const key = keys[j]!;
        if (op === 'peerSeen') {
          const a = legacy.peerSeen(key);
          if (a !== undefined) await a;
          const b = unified.peerSeen(key);
          if (b !== undefined) await b;
        } else {
          await legacy.sendToPeer(key, BENCH_MESSAGE);
          await unified.sendToPeer(key, BENCH_MESSAGE);
        }
        if (++j === keys.length) j = 0;
      }
      at = j;
    },
  };
}

/** Both listings per call, legacy's then unified's: the floor of a dual-mode listing, per peer listed. */
function bothListingsTask(pair: readonly [Subject, Subject], n: number, list: 'getConnectedPeers' | 'getPeerIps', peersPerSample: number): TimedTask {
  const [legacy, unified] = pair.map((s) => listingTask(s, n, list, peersPerSample)) as [TimedTask, TimedTask];
  return {
    name: BOTH,
    work: legacy.work,
    fn: async () => {
      await legacy.fn();
      await unified.fn();
    },
  };
}

/** Both managers' reaper passes, legacy's then unified's, each over its own copy of the peers. */
function bothReapersTask(pair: readonly [Subject, Subject], stale: readonly PeerInfo[], n: number): TimedTask {
  const [legacy, unified] = pair.map((s) => reaperTask(s, stale, n)) as [TimedTask, TimedTask];
  return {
    name: BOTH,
    work: n,
    beforeEach: async () => {
      await legacy.beforeEach!();
      await unified.beforeEach!();
    },
    fn: async () => {
      await legacy.fn();
      await unified.fn();
    },
  };
}

const BOTH = 'bothManagers';

function listingTask(subject: Subject, n: number, list: 'getConnectedPeers' | 'getPeerIps', peersPerSample: number): TimedTask {
  const pool = subject.pool;
  const calls = Math.max(1, Math.round(peersPerSample / n));
  return {
    name: subject.impl,
    work: calls * n,
    fn: async () => {
      for (let i = 0; i < calls; i++) {
        const listed = await pool[list]();
        if (listed.length !== n) throw new Error(`${subject.impl}.${list} listed ${listed.length} of ${n} peers`);
      }
    },
  };
}

/**
 * One reaper pass over `n` peers of which a tenth are stale, per peer in the pool. Before each
 * pass (outside the timing) the stale peers the previous pass removed are added again, with the
 * clock turned back so they are stale at once.
 */
function reaperTask(subject: Subject, stale: readonly PeerInfo[], n: number): TimedTask {
  let staleAbsent = true;
  const clock = subject.clock as BenchClock;
  return {
    name: subject.impl,
    work: n,
    beforeEach: async () => {
      if (!staleAbsent) return;
      // The previous sample's stale peers are gone: their keep-alive timers go too (see dropMarked).
      clock.dropMarked(POOL_DEFAULTS.keepAliveIntervalMs);
      clock.offset = -2 * POOL_DEFAULTS.staleAfterMs;
      clock.mark();
      try {
        await fill(subject, stale);
      } finally {
        clock.endMark();
        clock.offset = 0;
      }
      staleAbsent = false;
    },
    fn: async () => {
      const removed = await subject.reap(stale.length);
      if (removed !== stale.length) throw new Error(`${subject.impl} reaper removed ${removed} of ${stale.length} stale peers`);
      staleAbsent = true;
    },
  };
}

function row(metric: BenchResult['metric'], n: number, unit: string, figures: Map<string, Summary>): BenchResult {
  const values: Partial<Record<Impl, number>> = {};
  const spread: Partial<Record<Impl, number>> = {};
  let both: number | undefined;
  for (const [impl, summary] of figures) {
    if (impl === BOTH) {
      both = summary.median;
      continue;
    }
    values[impl as Impl] = summary.median;
    spread[impl as Impl] = summary.spread;
  }
  return { metric, n, unit, ...values, ...(both === undefined ? {} : { bothManagers: both }), spread, better: 'lower' };
}

/**
 * Profiling of the figures that miss their target, after the timings of their size (never inside
 * a timed sample), on the same pools: `missed` says which implementations of a row miss, each is
 * profiled for `ms` and handed to `record`.
 */
export interface MissProfiling {
  readonly ms: number;
  readonly missed: (row: BenchResult) => readonly Impl[];
  readonly record: (miss: ProfiledMiss) => void;
}

async function profileMisses(rows: readonly BenchResult[], tasks: ReadonlyMap<string, readonly TimedTask[]>, profiling: MissProfiling | undefined, log: (line: string) => void): Promise<void> {
  if (!profiling) return;
  for (const r of rows) {
    for (const impl of profiling.missed(r)) {
      const task = tasks.get(r.metric)?.find((t) => t.name === impl);
      if (!task) continue;
      log(`  profiling ${impl} ${r.metric} at ${r.n} peers (missed its target)`);
      const profile = await profileWork(task, { ms: profiling.ms });
      profiling.record({ metric: r.metric, impl, n: r.n, profile });
    }
  }
}

export interface PerOperationExtras {
  /** Operations per timed sample for peerSeen and sendToPeer (a smoke test uses a few). */
  readonly opsPerSample?: number;
  /** Profile the figures that miss their target, after the timings. */
  readonly profiling?: MissProfiling;
  /** Called once every pool of the size is full, before any timing: where the live heap is at its largest. */
  readonly afterFill?: () => void;
}

/**
 * The per-operation figures at one size: the pools hold `n` peers on connections whose sends
 * complete at once, and each figure is timed for every implementation side by side. Where the
 * dual-mode pool is measured, two bare managers holding the same peers are timed beside it
 * (bothManagers: the floor it is read against).
 */
export async function perOperationFigures(
  impls: readonly Impl[],
  n: number,
  timing: TimingOptions,
  log: (line: string) => void,
  extra: PerOperationExtras = {},
): Promise<BenchResult[]> {
  const { opsPerSample = OPS_PER_SAMPLE, profiling, afterFill } = extra;
  // Each size starts from a collected heap: the last size's pools must not be collected inside this one's timings.
  forceGc();
  const infos = benchPeers(n);
  const subjects = impls.filter((impl) => measuredAt(impl, n)).map((impl) => makeSubject(impl, { clock: new BenchClock() }));
  // Where the dual-mode pool is measured, the floor it is read against: both managers, bare.
  const dual = subjects.some((s) => s.impl === 'shadow' || s.impl === 'live');
  const pair = dual ? ([makeSubject('legacy', { clock: new BenchClock() }), makeSubject('unified', { clock: new BenchClock() })] as const) : undefined;
  try {
    for (const subject of [...subjects, ...(pair ?? [])]) await fill(subject, infos);
    afterFill?.();
    const keys = shuffled(infos.map((info) => info.ip));
    const results: BenchResult[] = [];
    const tasks = new Map<string, TimedTask[]>();
    const timed = async (metric: BenchResult['metric'], unit: string, list: TimedTask[], t = timing): Promise<BenchResult> => {
      tasks.set(metric, list);
      const r = row(metric, n, unit, await timeSideBySide(list, t));
      results.push(r);
      return r;
    };

    log(`  peerSeen, ${n} peers`);
    await timed('peerSeen', 'ns/op', [...subjects.map((s) => peerSeenTask(s, keys, opsPerSample)), ...(pair ? [bothManagersTask('peerSeen', pair, keys, opsPerSample)] : [])]);
    log(`  sendToPeer, ${n} peers`);
    await timed('sendToPeer', 'ns/op', [...subjects.map((s) => sendTask(s, keys, opsPerSample)), ...(pair ? [bothManagersTask('sendToPeer', pair, keys, opsPerSample)] : [])]);
    for (const list of ['getConnectedPeers', 'getPeerIps'] as const) {
      log(`  ${list}, ${n} peers`);
      const peersPerSample = opsPerSample * 20;
      await timed(list, 'ns/peer', [...subjects.map((s) => listingTask(s, n, list, peersPerSample)), ...(pair ? [bothListingsTask(pair, n, list, peersPerSample)] : [])]);
    }
    // Every peer is still in every pool: the misses so far are profiled on the pools as timed.
    await profileMisses(results, tasks, profiling, log);

    log(`  reaperScan, ${n} peers, ${100 / STALE_SHARE} % stale`);
    const stale = infos.filter((_, i) => i % STALE_SHARE === STALE_SHARE - 1);
    for (const subject of [...subjects, ...(pair ?? [])]) for (const info of stale) await subject.pool.removeConnectedPeer(info.ip);
    // A reaper pass costs far more than a lookup: fewer, longer samples.
    // At 100k a pass with its re-adds takes about a second in the dual-mode pool: fewer still.
    const reaperTiming: TimingOptions = { ...timing, minSamples: n >= 100_000 ? 4 : Math.max(8, timing.minSamples >> 2) };
    const reaper = await timed('reaperScan', 'ns/peer', [...subjects.map((s) => reaperTask(s, stale, n)), ...(pair ? [bothReapersTask(pair, stale, n)] : [])], reaperTiming);
    await profileMisses([reaper], tasks, profiling, log);
    return results;
  } finally {
    for (const subject of [...subjects, ...(pair ?? [])]) await subject.pool.close();
  }
}
