// A node that takes the socket when it connects and learns who the peer is only from its hello:
// between the two, the connection has no info. The unified entry needs both at once.
export interface Wire {
  send(data: string): void;
  close(): void;
}
export interface Hello {
  nodeId: string;
  version: number;
}

export class NodePeers {
  readonly connections = new Map<string, Wire>();
  readonly peers = new Map<string, Hello>();
  readonly lastSeen = new Map<string, number>();

  onConnect(remote: string, wire: Wire): void {
    this.connections.set(remote, wire);
  }

  onHello(remote: string, hello: Hello): void {
    this.peers.set(remote, hello);
    this.lastSeen.set(remote, Date.now());
  }

  onClose(remote: string): void {
    this.connections.delete(remote);
    this.peers.delete(remote);
    this.lastSeen.delete(remote);
  }

  versionOf(remote: string): number | undefined {
    return this.peers.get(remote)?.version;
  }
}
