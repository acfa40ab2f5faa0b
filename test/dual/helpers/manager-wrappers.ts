import type { PeerPool } from '../../../src/peer-pool.js';
import type { PoolSnapshot, SnapshotEntry } from '../../../src/types.js';

/** Counts calls per method; `log` keeps the order of calls across managers. */
export function countingManager<P extends PeerPool>(inner: P, side: string, log: string[]): P & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const name = String(prop);
        if (!['on', 'off', 'once', 'emit', 'resources', 'snapshot', 'getPoolStats'].includes(name)) {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          log.push(`${side}.${name}`);
        }
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out === target ? proxy : out;
      };
    },
  });
  return proxy as P & { calls: Map<string, number> };
}

export interface Faults {
  /** Keys the manager hides from every read (a dropped peer). */
  readonly dropped: Set<string>;
  /** Keys whose liveness it misreports (stale, seen long ago). */
  readonly misreported: Set<string>;
  /** Methods that throw. */
  readonly throwing: Set<string>;
}

/**
 * A manager with injected faults, for proving that shadow verification detects: it drops a peer
 * from its answers, misreports a peer's liveness, or throws from a method.
 */
export function faultyManager<P extends PeerPool>(inner: P): { manager: P; faults: Faults } {
  const faults: Faults = { dropped: new Set(), misreported: new Set(), throwing: new Set() };
  const fix = (e: SnapshotEntry): SnapshotEntry =>
    faults.misreported.has(e.key) ? { ...e, liveness: 'stale', lastSeen: (e.lastSeen ?? 0) - 3_600_000 } : e;
  const manager = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(prop);
      return (...args: unknown[]) => {
        if (faults.throwing.has(name)) {
          const err = Object.assign(new Error(`injected fault in ${name}`), { code: 'TEST_ERR_INJECTED' });
          if (name === 'snapshot' || name === 'getPoolStats' || name === 'peerSeen') throw err;
          return Promise.reject(err);
        }
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out === target) return manager;
        if (name === 'snapshot') {
          const s = out as PoolSnapshot;
          return { ...s, entries: s.entries.filter((e) => !faults.dropped.has(e.key)).map(fix) };
        }
        if (name === 'getConnectedPeers') return (out as Promise<{ ip: string }[]>).then((l) => l.filter((i) => !faults.dropped.has(i.ip)));
        if (name === 'getPeerIps') return (out as Promise<string[]>).then((l) => l.filter((ip) => !faults.dropped.has(ip)));
        if (name === 'getPeer') return faults.dropped.has(String(args[0])) ? Promise.resolve(undefined) : out;
        return out;
      };
    },
  });
  return { manager, faults };
}
