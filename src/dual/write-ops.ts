import type { BlockProposalInput, PeerPool } from '../contract/peer-pool.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { DisconnectReason, PeerAddress } from '../contract/types.js';
import type { ConnectionLink } from './connection-view.js';

/** What each write that goes through the dual-mode pool's write path takes beside its key. */
export interface WriteArgs {
  connectToPeer: string | PeerAddress;
  peerSeen: undefined;
  removeConnectedPeer: DisconnectReason | undefined;
  sendToPeer: NetworkMessage;
  broadcast: NetworkMessage;
  broadcastBlockProposal: BlockProposalInput;
}

/** The writes the pool runs authoritative first, then mirrored: each is one call on a manager. */
export type WriteOp = keyof WriteArgs;

/** What the mirror's half of a write takes: the same, and for an add the link whose muted view it is given (null: the dial's link is gone). */
export interface MirrorArgs extends WriteArgs {
  addConnectedPeer: ConnectionLink | null;
}
export type MirrorOp = keyof MirrorArgs;

type Call<K extends WriteOp> = (m: PeerPool, key: string | undefined, arg: WriteArgs[K]) => unknown;

// One static function per operation: a write allocates no closure to reach its manager (it sits on every send).
const CALLS: { readonly [K in WriteOp]: Call<K> } = {
  connectToPeer: (m, _key, address) => m.connectToPeer(address),
  peerSeen: (m, key) => m.peerSeen(key!),
  removeConnectedPeer: (m, key, reason) => m.removeConnectedPeer(key!, reason),
  sendToPeer: (m, key, message) => m.sendToPeer(key!, message),
  broadcast: (m, _key, message) => m.broadcast(message),
  broadcastBlockProposal: (m, _key, proposal) => m.broadcastBlockProposal(proposal),
};

/** `op` on manager `m`: its promise, or its value where the manager answers synchronously. */
export function callWrite<K extends WriteOp>(m: PeerPool, op: K, key: string | undefined, arg: WriteArgs[K]): unknown {
  return (CALLS[op] as Call<K>)(m, key, arg);
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * The hot writes, whose caller is answered once the authoritative manager answered; their mirror
 * half finishes on its own (in key order). Adds, removals, dials and broadcasts still wait for the
 * mirror: rare, a broadcast's two results are compared when it returns,
 * and a caller expects both managers to hold the same peers once they return.
 */
export const SERVED_ALONE: ReadonlySet<WriteOp> = new Set<WriteOp>(['peerSeen', 'sendToPeer']);
