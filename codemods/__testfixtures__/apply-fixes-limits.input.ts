import type { Conn, Info } from './support.js';

// --apply-fixes does not guess: a phantom peer, a delete that keeps the connection, a pair with
// no info, a pair the user marked poolshift-ignore, a map written twice all stay for review.
export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  phantom(key: string, info: Info): void {
    this.peers.set(key, info);
  }

  forget(key: string): void {
    this.peers.delete(key);
    this.lastSeen.delete(key);
  }

  noInfo(key: string, conn: Conn): void {
    this.connections.set(key, conn);
    this.lastSeen.set(key, 1);
  }

  ignored(key: string, conn: Conn, info: Info): void {
    // poolshift-ignore: handled by hand
    this.connections.set(key, conn);
    this.peers.set(key, info);
  }

  twice(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
    this.connections.set(key, conn);
    this.peers.set(key, info);
  }
}
