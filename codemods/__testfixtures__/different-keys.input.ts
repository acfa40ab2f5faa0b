import type { Conn, Info } from './support.js';

type ConnectionId = string;
type UserId = string;

/** Looks like the pattern, is not: sockets by connection, profiles by user. Told once, at the class. */
export class Presence {
  readonly connections = new Map<ConnectionId, Conn>();
  readonly peers = new Map<UserId, Info>();
  readonly lastSeen = new Map<ConnectionId, number>();

  open(id: ConnectionId, conn: Conn, now: number): void {
    this.connections.set(id, conn);
    this.lastSeen.set(id, now);
  }

  identify(user: UserId, info: Info): void {
    this.peers.set(user, info);
  }

  close(id: ConnectionId): void {
    this.connections.delete(id);
    this.lastSeen.delete(id);
  }
}
