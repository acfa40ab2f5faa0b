import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

type Listener = (id: string, info: Info) => void;

// A peer host's disconnect paths: the info is looked up to tell listeners, and only deleted
// when it was there.
export class PeerHost {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();
  private readonly listeners: Listener[] = [];

  open(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(socket, info, { lastSeen: now }));
  }

  disconnect(id: string): void {
    const info = this.connections.get(id)?.info;
    if (info) {
      this.notify(id, info);
    }
    this.connections.delete(id);
  }

  drop(id: string): void {
    const socket = this.connections.get(id)?.connection;
    this.connections.delete(id);
    socket?.close();
  }

  private notify(id: string, info: Info): void {
    for (const listener of this.listeners) listener(id, info);
  }
}

// A truthiness guard on a number is not a presence guard (0 is a time): left for review.
export class Tracker {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  leave(id: string): void {
    const t = this.lastSeen.get(id);
    if (t) {
      this.lastSeen.delete(id);
    }
    this.peers.delete(id);
    this.connections.delete(id);
  }
}
