import type { Conn, Info } from './support.js';

// A presence tracker that keeps its sockets to itself but lets the rest of the app read who is
// online and when each peer was last heard from.
export class PresenceTracker {
  private readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  public readonly lastSeen = new Map<string, number>();

  join(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, socket);
    this.peers.set(id, info);
    this.lastSeen.set(id, now);
  }

  broadcast(message: string): void {
    for (const socket of this.connections.values()) void socket.send(message);
  }
}

export function onlineSince(tracker: PresenceTracker, id: string): string {
  const info = tracker.peers.get(id);
  const at = tracker.lastSeen.get(id);
  return info && at !== undefined ? `${info.ip} since ${at}` : 'offline';
}

// Protected beside private: the merged field is protected, so subclasses keep their reads.
export class RoomBase {
  private connections = new Map<string, Conn>();
  protected peers = new Map<string, Info>();
  private lastSeen = new Map<string, number>();

  enter(id: string, socket: Conn, info: Info): void {
    this.connections.set(id, socket);
    this.peers.set(id, info);
    this.lastSeen.set(id, 0);
  }
}

export class ChatRoom extends RoomBase {
  names(): string[] {
    return [...this.peers.keys()];
  }
}
