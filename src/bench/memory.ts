import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock } from '../contract/clock.js';
import type { BenchResult } from './results.js';
import { benchPeers, instantConnectionFor, makeSubject, type Impl } from './subjects.js';

let collect: (() => void) | undefined;

/** A forced full GC, with or without --expose-gc on the command line. */
export function forceGc(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  // Twice: the first pass may leave objects that only die once their finalizers ran.
  collect();
  collect();
}

function heapUsed(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/**
 * The pool's own bookkeeping per peer: the connections and infos are made first and are not
 * counted; what the heap holds more after adding them all (after a forced GC) is the pool's
 * share: map entries, per-peer objects, locks, listeners on the connection, the keep-alive timer.
 * Real timers (the system clock), as in production; the pool is closed long before they fire.
 * Each kind is warmed up first with a pool that is thrown away.
 */
export async function memoryFigures(impls: readonly Impl[], n: number): Promise<BenchResult> {
  const values: Partial<Record<Impl, number>> = {};
  for (const impl of impls) {
    // A first pool of the kind, thrown away: what is made once (compiled code, inline caches,
    // shared maps of object shapes) must not be spread over the peers of the measured one.
    const warm = makeSubject(impl, { clock: systemClock });
    for (const info of benchPeers(Math.min(n, 2000))) await warm.pool.addConnectedPeer(instantConnectionFor(info), info);
    await warm.pool.close();
    const infos = benchPeers(n);
    const connections = infos.map(instantConnectionFor);
    const before = heapUsed();
    const subject = makeSubject(impl, { clock: systemClock });
    for (let i = 0; i < n; i++) await subject.pool.addConnectedPeer(connections[i]!, infos[i]!);
    const after = heapUsed();
    values[impl] = Math.round((after - before) / n);
    await subject.pool.close();
    // Keep the connections and infos alive through the second reading.
    if (connections.length !== infos.length) throw new Error('unreachable');
  }
  return { metric: 'memoryPerPeer', n, unit: 'bytes/peer', ...values, better: 'lower' };
}
