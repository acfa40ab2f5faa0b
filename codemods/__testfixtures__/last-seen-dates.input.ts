import type { Conn, Info } from './support.js';

/** Last seen kept as a Date: converting would not compile (the entry keeps milliseconds). Held back. */
export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, Date>();

  add(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
    this.peers.set(key, info);
    this.lastSeen.set(key, new Date());
  }
}
