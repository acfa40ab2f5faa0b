// A Socket.IO-style room server: sockets and their last ping by socket id, profiles by user id,
// all three plain strings. Not the pattern: a user may have several sockets.
export interface ClientSocket {
  send(data: string): void;
  close(): void;
}
export interface Member {
  name: string;
  room: string;
}

export class RoomServer {
  private readonly connections = new Map<string, ClientSocket>();
  private readonly peers = new Map<string, Member>();
  private readonly lastSeen = new Map<string, number>();
  private readonly userOf = new Map<string, string>();

  join(socketId: string, userId: string, socket: ClientSocket, member: Member): void {
    this.connections.set(socketId, socket);
    this.lastSeen.set(socketId, Date.now());
    this.userOf.set(socketId, userId);
    this.peers.set(userId, member);
  }

  ping(socketId: string): void {
    this.lastSeen.set(socketId, Date.now());
  }

  toRoom(room: string, data: string): number {
    let n = 0;
    for (const [socketId, socket] of this.connections) {
      const user = this.userOf.get(socketId);
      if (user !== undefined && this.peers.get(user)?.room === room) {
        socket.send(data);
        n++;
      }
    }
    return n;
  }

  leave(socketId: string): void {
    this.connections.delete(socketId);
    this.lastSeen.delete(socketId);
    this.userOf.delete(socketId);
  }
}
