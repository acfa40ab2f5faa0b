import type { Conn, Info } from './support.js';

/** Without --insert-todos a class that needs review is left byte for byte. */
export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  addInfo(key: string, info: Info): void {
    this.peers.set(key, info);
  }

  get(key: string): Info | undefined {
    return this.peers.get(key);
  }
}
