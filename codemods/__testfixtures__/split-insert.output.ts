import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

interface Hello {
  info: Info;
}

// A room that stores the socket on open and the peer's info and time in a helper it calls.
export class Room {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();
  private joined = 0;

  open(id: string, ws: Conn, hello: Hello): void {
    this.joined++;
    this.connections.set(id, UnifiedPeerConnection.from(ws, hello.info, { lastSeen: Date.now() }));
    this.track(id, hello.info);
  }

  private track(peerId: string, info: Info): void {
    this.joined += 0;
  }

  leave(id: string): void {
    this.connections.delete(id);
  }
}

type Handler = (hello: Hello) => void;

// The info comes with the peer's hello, in a callback: between the two, a connection has no info.
export class Gateway {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  onConnection(id: string, ws: Conn, onHello: (handler: Handler) => void): void {
    this.connections.set(id, ws);
    onHello((hello) => {
      this.peers.set(id, hello.info);
      this.lastSeen.set(id, Date.now());
    });
  }
}

// The helper is called from two places, one of which sets no connection.
export class Host {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  connect(id: string, ws: Conn, info: Info): void {
    this.connections.set(id, ws);
    this.remember(id, info);
  }

  refresh(id: string, info: Info): void {
    this.remember(id, info);
  }

  private remember(id: string, info: Info): void {
    this.peers.set(id, info);
    this.lastSeen.set(id, Date.now());
  }
}
