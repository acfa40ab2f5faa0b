import { ERROR_CODES } from '../contract/errors.js';
import type { PeerPool } from '../contract/peer-pool.js';
import type { PoolSnapshot, SnapshotEntry } from '../contract/types.js';

/** What a faulty manager gets wrong; the sets can change while it runs. */
export interface ManagerFaults {
  /** Keys the manager hides from every read (a dropped peer). */
  readonly dropped: Set<string>;
  /** Keys whose liveness it misreports (stale, seen an hour ago). */
  readonly misreported: Set<string>;
  /** Methods that throw (or reject). */
  readonly throwing: Set<string>;
}

/** The code an injected failure carries, so a report can tell it from a real one. */
export const INJECTED_FAULT_CODE = ERROR_CODES.INJECTED_FAULT;

const SYNC_METHODS = new Set(['snapshot', 'getPoolStats', 'peerSeen', 'resources']);

/**
 * A manager with planted defects, to prove that shadow verification catches them: it drops a
 * peer from its answers, misreports a peer's liveness, or throws from a method. The dual-mode
 * pool's tests and `poolshift node --inject-fault` share it.
 */
export function faultyManager<P extends PeerPool>(inner: P): { manager: P; faults: ManagerFaults } {
  const faults: ManagerFaults = { dropped: new Set(), misreported: new Set(), throwing: new Set() };
  const fix = (e: SnapshotEntry): SnapshotEntry =>
    faults.misreported.has(e.key) ? { ...e, liveness: 'stale', lastSeen: (e.lastSeen ?? 0) - 3_600_000 } : e;
  const manager: P = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(prop);
      return (...args: unknown[]) => {
        if (faults.throwing.has(name)) {
          const err = Object.assign(new Error(`injected fault in ${name}`), { code: INJECTED_FAULT_CODE });
          if (SYNC_METHODS.has(name)) throw err;
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
