import type { Conn, Info } from './support.js';

export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  addInfo(key: string, info: Info): void {
    this.peers.set(key, info);
    this.lastSeen.set(key, Date.now());
  }

  dropConnection(key: string): void {
    this.connections.delete(key);
  }

  raw(): Map<string, Info> {
    return this.peers;
  }

  leak(): void {
    const seen = this.lastSeen;
    register(seen);
  }

  byName(name: 'peers' | 'lastSeen'): number {
    return this[name].size;
  }

  known(key: string): boolean {
    // poolshift-ignore: checked by hand, this is a phantom peer on purpose
    this.peers.set(key, { ip: key, version: 'unknown' });
    return this.peers.has(key);
  }

  seen(key: string): void {
    this.lastSeen.set(key, 1);
  }
}

function register(map: Map<string, number>): void {
  map.clear();
}
