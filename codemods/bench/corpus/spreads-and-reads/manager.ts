// A swarm's peer table read every way real code reads it: spreads, Array.from, forEach, size,
// destructured aliases, a stats snapshot.
export interface PeerWire {
  send(data: string): void;
  close(): void;
}
export interface PeerMeta {
  id: string;
  uploaded: number;
}

export class Swarm {
  readonly connections: Map<string, PeerWire> = new Map();
  readonly peers: Map<string, PeerMeta> = new Map();
  readonly lastSeen: Map<string, number> = new Map();

  add(addr: string, wire: PeerWire, meta: PeerMeta, at: number): void {
    const { connections, peers, lastSeen } = this;
    connections.set(addr, wire);
    peers.set(addr, meta);
    lastSeen.set(addr, at);
  }

  touch(addr: string, at: number): void {
    this.lastSeen.set(addr, at);
  }

  metas(): PeerMeta[] {
    return [...this.peers.values()];
  }

  addrs(): string[] {
    return Array.from(this.connections.keys()).sort();
  }

  totalUploaded(): number {
    let total = 0;
    this.peers.forEach((meta) => {
      total += meta.uploaded;
    });
    return total;
  }

  snapshot(): { size: number; newest: number | undefined } {
    let newest: number | undefined;
    for (const at of this.lastSeen.values()) if (newest === undefined || at > newest) newest = at;
    return { size: this.peers.size, newest };
  }

  sendTo(addr: string, data: string): boolean {
    const wire = this.connections.get(addr);
    wire?.send(data);
    return wire !== undefined;
  }

  clear(): void {
    for (const wire of this.connections.values()) wire.close();
    this.connections.clear();
    this.peers.clear();
    this.lastSeen.clear();
  }
}
