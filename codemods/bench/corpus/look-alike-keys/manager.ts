// Three maps that look like the pattern and are not: sockets and their last activity by
// connection, profiles by user (one user may hold several connections).
export interface Socket {
  send(data: string): void;
  close(): void;
}
export interface UserProfile {
  displayName: string;
}
export type ConnectionId = string;
export type UserId = string;

export class Hub {
  readonly connections = new Map<ConnectionId, Socket>();
  readonly peers = new Map<UserId, UserProfile>();
  readonly lastSeen = new Map<ConnectionId, number>();
  private readonly owner = new Map<ConnectionId, UserId>();

  connect(conn: ConnectionId, user: UserId, socket: Socket, profile: UserProfile): void {
    this.connections.set(conn, socket);
    this.lastSeen.set(conn, Date.now());
    this.owner.set(conn, user);
    this.peers.set(user, profile);
  }

  disconnect(conn: ConnectionId): void {
    this.connections.delete(conn);
    this.lastSeen.delete(conn);
    const user = this.owner.get(conn);
    this.owner.delete(conn);
    if (user !== undefined && ![...this.owner.values()].includes(user)) this.peers.delete(user);
  }

  nameOf(conn: ConnectionId): string | undefined {
    const user = this.owner.get(conn);
    return user === undefined ? undefined : this.peers.get(user)?.displayName;
  }
}
