// A WebSocket gateway keyed by peer address: rooms in the info, a broadcast that reads the info
// of each connection, a ping loop, locks around the writes.
export interface GatewaySocket {
  send(data: string): void;
  close(): void;
}
export interface PeerInfo {
  room: string;
  agent: string;
}

/** A one-at-a-time lock; `write` hands back the release. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async write(_op: string): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const prior = this.tail;
    this.tail = prior.then(() => next);
    await prior;
    return release;
  }
}

export class Gateway {
  readonly connections = new Map<string, GatewaySocket>();
  readonly peers = new Map<string, PeerInfo>();
  readonly lastSeen = new Map<string, number>();
  readonly connectionsLock = new Mutex();

  async accept(address: string, socket: GatewaySocket, info: PeerInfo): Promise<void> {
    const release = await this.connectionsLock.write('accept');
    try {
      this.connections.get(address)?.close();
      this.connections.set(address, socket);
      this.peers.set(address, info);
      this.lastSeen.set(address, Date.now());
    } finally {
      release();
    }
  }

  onFrame(address: string, data: string): string | undefined {
    if (!this.connections.has(address)) return undefined;
    this.lastSeen.set(address, Date.now());
    return `${this.peers.get(address)?.agent ?? '?'}: ${data}`;
  }

  broadcast(room: string, data: string): number {
    let sent = 0;
    for (const [address, socket] of this.connections) {
      if (this.peers.get(address)?.room !== room) continue;
      socket.send(data);
      sent++;
    }
    return sent;
  }

  idleFor(address: string): number | undefined {
    const seen = this.lastSeen.get(address);
    return seen === undefined ? undefined : Date.now() - seen;
  }

  async drop(address: string): Promise<boolean> {
    const release = await this.connectionsLock.write('drop');
    try {
      const socket = this.connections.get(address);
      if (!socket) return false;
      socket.close();
      this.connections.delete(address);
      this.peers.delete(address);
      this.lastSeen.delete(address);
      return true;
    } finally {
      release();
    }
  }

  addresses(): string[] {
    return [...this.connections.keys()].sort();
  }
}
