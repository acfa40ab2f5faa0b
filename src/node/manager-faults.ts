import type { PeerPool } from '../contract/peer-pool.js';
import { faultyManager } from './faulty-manager.js';

/** The defects `--inject-fault` plants in a node's unified manager. */
export const FAULT_KINDS = ['drop-peer', 'stale-liveness', 'throw-on-send'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The divergence kind shadow verification must report for each planted defect. */
export const EXPECTED_DIVERGENCE: Readonly<Record<FaultKind, string>> = {
  'drop-peer': 'missing-in-shadow',
  'stale-liveness': 'liveness-mismatch',
  'throw-on-send': 'error-mismatch',
};

/**
 * Wraps a manager with one defect: one peer it holds is dropped from its answers (drop-peer)
 * or reported stale (stale-liveness), or every send throws (throw-on-send). The defect moves
 * to the longest-held peer when its peer leaves, so a run's faults (kill, stop, leave) cannot
 * take it away before shadow verification has had time to see it.
 */
export function plantFault<P extends PeerPool>(inner: P, kind: FaultKind): P {
  const { manager, faults } = faultyManager(inner);
  if (kind === 'throw-on-send') {
    for (const m of ['sendToPeer', 'broadcast', 'broadcastBlockProposal']) faults.throwing.add(m);
  } else {
    const target = kind === 'drop-peer' ? faults.dropped : faults.misreported;
    // Insertion order is connection order: the first key left is the longest-held peer.
    const held = new Set<string>();
    inner.on('peer:connected', ({ key }) => {
      held.add(key);
      if (target.size === 0) target.add(key);
    });
    inner.on('peer:disconnected', ({ key }) => {
      held.delete(key);
      if (!target.delete(key)) return;
      const next = held.values().next();
      if (next.done !== true) target.add(next.value);
    });
  }
  return manager;
}
