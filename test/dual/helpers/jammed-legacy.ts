import type { Connection } from '../../../src/contract/connection.js';
import type { NetworkMessage } from '../../../src/contract/messages.js';
import type { PeerInfo } from '../../../src/contract/types.js';
import { LegacyPeerManager } from '../../../legacy/legacy-peer-manager.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * Legacy as L6 leaves it: once jammed, every call that takes a lock waits for good (its locks are
 * held by the two sides of a deadlock). A stand-in for the lock-order race itself, which
 * test/legacy-differences.test.ts reproduces over real sockets.
 */
export class JammedLegacy extends LegacyPeerManager {
  jammed = false;
  override addConnectedPeer(connection: Connection, info: PeerInfo): Promise<void> {
    return this.jammed ? never() : super.addConnectedPeer(connection, info);
  }
  override sendToPeer(key: string, message: NetworkMessage): Promise<void> {
    return this.jammed ? never() : super.sendToPeer(key, message);
  }
}
