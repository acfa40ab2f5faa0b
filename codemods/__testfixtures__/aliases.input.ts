import type { Conn, Info } from './support.js';

export class Pool {
  readonly connections: Map<string, Conn>;
  readonly peers: Map<string, Info>;
  readonly lastSeen: Map<string, number>;

  constructor() {
    this.connections = new Map();
    this.peers = new Map();
    this.lastSeen = new Map();
  }

  add(key: string, conn: Conn, info: Info, at: number): void {
    const conns = this.connections;
    const { peers, lastSeen: seen } = this;
    seen.set(key, at);
    conns.set(key, conn);
    peers.set(key, info);
  }

  describe(key: string): string {
    const { peers } = this;
    const info = peers.get(key);
    return info ? `${info.ip} ${info.version}` : 'unknown';
  }

  drop(key: string): void {
    const seen = this.lastSeen;
    this.connections.delete(key);
    this.peers.delete(key);
    seen.delete(key);
  }

  reset(): void {
    this.connections.clear();
    this.peers.clear();
    this.lastSeen.clear();
  }
}

/** Another class reaching into the pool's maps through a typed receiver. */
export class PoolReport {
  constructor(private readonly pool: Pool) {}

  versions(): string[] {
    return Array.from(this.pool.peers.values()).map((info) => info.version);
  }

  lastHeard(key: string): number {
    return this.pool.lastSeen.get(key) ?? 0;
  }

  entries(): [string, Info][] {
    return [...this.pool.peers];
  }

  send(key: string, message: string): Promise<void> {
    const conn = this.pool.connections.get(key)!;
    return conn.send(message);
  }
}
