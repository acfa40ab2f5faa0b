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
  // Every kind warmed first, each pool thrown away: what is made once in a process (compiled code,
  // inline caches, shared maps of object shapes: about 120 B a peer at 10k) must not land on
  // whichever kind is measured first.
  for (const impl of impls) await warmUp(impl, Math.min(n, 2000));
  const values: Partial<Record<Impl, number>> = {};
  for (const impl of impls) values[impl] = await perPeer(impl, n);
  return { metric: 'memoryPerPeer', n, unit: 'bytes/peer', ...values, better: 'lower' };
}

async function warmUp(impl: Impl, n: number): Promise<void> {
  const warm = makeSubject(impl, { clock: systemClock });
  for (const info of benchPeers(n)) await warm.pool.addConnectedPeer(instantConnectionFor(info), info);
  await warm.pool.close();
}

/**
 * One kind's bytes per peer, in a call of its own: an async function's locals stay held until
 * reassigned, so measured in one loop each kind was charged with the previous kind's closed pool,
 * freed during its measurement (shadow read 2,726 B alone, 2,090 after legacy and unified).
 */
async function perPeer(impl: Impl, n: number): Promise<number> {
  const infos = benchPeers(n);
  const connections = infos.map(instantConnectionFor);
  const before = heapUsed();
  const subject = makeSubject(impl, { clock: systemClock });
  for (let i = 0; i < n; i++) await subject.pool.addConnectedPeer(connections[i]!, infos[i]!);
  const after = heapUsed();
  await subject.pool.close();
  // Keep the connections and infos alive through the second reading.
  if (connections.length !== infos.length) throw new Error('unreachable');
  return Math.round((after - before) / n);
}
