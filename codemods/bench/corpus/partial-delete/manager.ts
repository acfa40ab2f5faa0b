// The bug the unified design fixes: a dead connection is removed while its info and time stay
// behind, so the peer looks known but unreachable. Not a conversion: a decision for a person.
export interface Link {
  send(data: string): void;
  close(): void;
}
export interface LinkInfo {
  region: string;
}

export class LinkTable {
  readonly connections = new Map<string, Link>();
  readonly peers = new Map<string, LinkInfo>();
  readonly lastSeen = new Map<string, number>();

  up(key: string, link: Link, info: LinkInfo): void {
    this.connections.set(key, link);
    this.peers.set(key, info);
    this.lastSeen.set(key, Date.now());
  }

  onError(key: string): void {
    this.connections.get(key)?.close();
    this.connections.delete(key);
  }

  known(): string[] {
    return [...this.peers.keys()];
  }
}
