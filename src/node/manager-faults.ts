import type { PeerPool } from '../peer-pool.js';
import { faultyManager } from '../shadow/faulty-manager.js';

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
 * Wraps a manager with one defect: the first peer it takes is dropped from its answers
 * (drop-peer) or reported stale (stale-liveness), or every send throws (throw-on-send).
 */
export function plantFault<P extends PeerPool>(inner: P, kind: FaultKind): P {
  const { manager, faults } = faultyManager(inner);
  if (kind === 'throw-on-send') {
    for (const m of ['sendToPeer', 'broadcast', 'broadcastBlockProposal']) faults.throwing.add(m);
  } else {
    const target = kind === 'drop-peer' ? faults.dropped : faults.misreported;
    inner.on('peer:connected', ({ key }) => {
      if (target.size === 0) target.add(key);
    });
  }
  return manager;
}
