import type { Conn, Info } from './support.js';

// One map shared by every instance, two per instance: no single merged field can be both.
export class Gateway {
  static connections = new Map<string, Conn>();
  peers = new Map<string, Info>();
  lastSeen = new Map<string, number>();

  size(): number {
    return Gateway.connections.size + this.peers.size + this.lastSeen.size;
  }
}
