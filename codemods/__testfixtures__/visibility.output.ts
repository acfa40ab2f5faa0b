import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

// A presence tracker that keeps its sockets to itself but lets the rest of the app read who is
// online and when each peer was last heard from.
export class PresenceTracker {
  public readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  join(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(socket, info, { lastSeen: now }));
  }

  broadcast(message: string): void {
    for (const { connection: socket } of this.connections.values()) void socket.send(message);
  }
}

export function onlineSince(tracker: PresenceTracker, id: string): string {
  const info = tracker.connections.get(id)?.info;
  const at = tracker.connections.get(id)?.lastSeen;
  return info && at !== undefined ? `${info.ip} since ${at}` : 'offline';
}

// Protected beside private: the merged field is protected, so subclasses keep their reads.
export class RoomBase {
  protected connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  enter(id: string, socket: Conn, info: Info): void {
    this.connections.set(id, UnifiedPeerConnection.from(socket, info, { lastSeen: 0 }));
  }
}

export class ChatRoom extends RoomBase {
  names(): string[] {
    return [...this.connections.keys()];
  }
}
