import type { Direction, PeerInfo } from '../src/contract/types.js';

/**
 * Both nodes dial each other at once: each ends up with an outbound and an inbound connection to
 * the same node. Each node keeps the connection dialled by the node with the smaller node id, so
 * both keep the same TCP connection with no message exchanged; the other is closed `duplicate`.
 * Returns the direction to keep, or undefined when the two connections are not such a pair (a
 * different node on the same key, or a reconnect in the same direction: the newer replaces).
 */
export function duplicateWinner(ourNodeId: string, held: PeerInfo, incoming: PeerInfo): Direction | undefined {
  if (held.nodeId !== incoming.nodeId || held.direction === incoming.direction) return undefined;
  // An outbound connection was dialled by us, an inbound one by them.
  return ourNodeId < incoming.nodeId ? 'outbound' : 'inbound';
}
