import type { Conn, Info } from './support.js';

/** --apply-fixes lists what it will fix even while a phantom peer holds the class back. */
export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  add(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
    this.peers.set(key, info);
  }

  remember(key: string, info: Info): void {
    this.peers.set(key, info);
  }

  drop(key: string): void {
    this.connections.delete(key);
  }
}
