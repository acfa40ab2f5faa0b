import type { Conn, Info } from './support.js';

/** Both keyed by `string`, yet by different things: the socket by its id, the profile by its user. */
export class Rooms {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  join(socketId: string, userId: string, conn: Conn, info: Info, now: number): void {
    this.connections.set(socketId, conn);
    this.lastSeen.set(socketId, now);
    this.peers.set(userId, info);
  }

  leave(socketId: string): void {
    this.connections.delete(socketId);
    this.lastSeen.delete(socketId);
  }
}
