import type { Conn, Info } from './support.js';

export class Pool {
  // TODO(poolshift): CLASS_NOT_MIGRATED Pool keeps its maps `connections`, `peers`, `lastSeen` (nothing of the class is rewritten) until these are resolved: 1 site(s) marked for review; then run again
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  add(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
    // TODO(poolshift): INTERLEAVED_ACCESS `this.connections.has(key)` reads the key between the writes merged here: move the read before or after the writes, then run again
    const had = this.connections.has(key);
    this.peers.set(key, info);
    this.lastSeen.set(key, had ? 1 : 0);
  }

  /** Reads between the deletes of maps not yet deleted are fine: the one delete goes last. */
  remove(key: string): Info | undefined {
    this.connections.delete(key);
    const info = this.peers.get(key);
    this.peers.delete(key);
    this.lastSeen.delete(key);
    return info;
  }
}
