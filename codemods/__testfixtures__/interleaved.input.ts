import type { Conn, Info } from './support.js';

export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  add(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
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
