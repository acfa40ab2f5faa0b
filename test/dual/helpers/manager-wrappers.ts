import type { PeerPool } from '../../../src/contract/peer-pool.js';

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
        if (!['on', 'off', 'once', 'emit', 'resources', 'snapshot', 'snapshotEntry', 'getPoolStats'].includes(name)) {
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

// The faulty manager is the one `poolshift node --inject-fault` uses: one mechanism, tested here.
export { faultyManager, type ManagerFaults as Faults } from '../../../src/node/faulty-manager.js';
