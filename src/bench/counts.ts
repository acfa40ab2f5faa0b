import { BenchClock } from './bench-clock.js';
import { countingMapFactory, MapCounters } from './counting-map.js';
import type { BenchResult } from './results.js';
import { BENCH_MESSAGE, benchPeers, instantConnectionFor, makeSubject, type Impl } from './subjects.js';

const OPS = 1000;

/**
 * Lock acquisitions and map lookups per operation, counted by the instrumentation: the pools'
 * own lock monitor, and maps made through `createMap` that count every keyed access.
 */
export async function countedFigures(impls: readonly Impl[], n: number): Promise<BenchResult[]> {
  const perImpl = new Map<Impl, { sendLocks: number; sendLookups: number; seenLocks: number; seenLookups: number }>();
  const infos = benchPeers(n);
  for (const impl of impls) {
    const counters = new MapCounters();
    const subject = makeSubject(impl, { clock: new BenchClock(), createMap: countingMapFactory(counters) });
    try {
      for (const info of infos) await subject.pool.addConnectedPeer(instantConnectionFor(info), info);
      const count = async (op: (key: string) => unknown): Promise<[number, number]> => {
        counters.reset();
        const locksBefore = subject.lockAcquisitions();
        for (let i = 0; i < OPS; i++) await op(infos[i % n]!.ip);
        return [(subject.lockAcquisitions() - locksBefore) / OPS, counters.lookups / OPS];
      };
      const [sendLocks, sendLookups] = await count((key) => subject.pool.sendToPeer(key, BENCH_MESSAGE));
      const [seenLocks, seenLookups] = await count((key) => subject.pool.peerSeen(key));
      perImpl.set(impl, { sendLocks, sendLookups, seenLocks, seenLookups });
    } finally {
      await subject.pool.close();
    }
  }
  const row = (metric: BenchResult['metric'], pick: (c: { sendLocks: number; sendLookups: number; seenLocks: number; seenLookups: number }) => number): BenchResult => ({
    metric,
    n,
    unit: 'count',
    ...Object.fromEntries([...perImpl].map(([impl, c]) => [impl, pick(c)])),
    better: 'lower',
  });
  return [
    row('lockAcquisitionsPerSend', (c) => c.sendLocks),
    row('mapLookupsPerSend', (c) => c.sendLookups),
    row('lockAcquisitionsPerPeerSeen', (c) => c.seenLocks),
    row('mapLookupsPerPeerSeen', (c) => c.seenLookups),
  ];
}
