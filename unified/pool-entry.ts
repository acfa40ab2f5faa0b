import type { Connection } from '../src/contract/connection.js';
import type { PeerInfo } from '../src/contract/types.js';
import type { KeepAliveItem } from './keep-alive-queue.js';
import { UnifiedPeerConnection, type UnifiedPeerConnectionOptions } from './unified-peer-connection.js';

const NOT_ATTACHED = (): void => undefined;

/**
 * The unified manager's entry: the peer's record plus what the manager keeps per peer, on the
 * one object, so that removing a peer touches that object rather than a side table per concern.
 */
export class PoolEntry extends UnifiedPeerConnection<Connection, PeerInfo> implements KeepAliveItem {
  /** Whether the manager's map holds this entry: false once removed or replaced. */
  held = false;
  /** Takes the manager's listeners off the connection. */
  detach: () => void = NOT_ATTACHED;
  /** Kept by the KeepAliveQueue. */
  keepAliveDue = 0;
  keepAlivePos = -1;
  /** Since when the connection has been over the high-water mark; undefined while under it. */
  overSince: number | undefined = undefined;

  constructor(
    readonly key: string,
    connection: Connection,
    info: PeerInfo,
    options?: UnifiedPeerConnectionOptions,
  ) {
    super(connection, info, options);
  }
}
