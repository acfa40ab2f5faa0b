import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

export class Pool {
  readonly connections: Map<string, UnifiedPeerConnection<Conn, Info>>;

  constructor() {
    this.connections = new Map();
  }

  add(key: string, conn: Conn, info: Info, at: number): void {
    const conns = this.connections;
    const { connections: peers, connections: seen } = this;
    conns.set(key, UnifiedPeerConnection.from(conn, info, { lastSeen: at }));
  }

  describe(key: string): string {
    const { connections: peers } = this;
    const info = peers.get(key)?.info;
    return info ? `${info.ip} ${info.version}` : 'unknown';
  }

  drop(key: string): void {
    const seen = this.connections;
    this.connections.delete(key);
  }

  reset(): void {
    this.connections.clear();
  }
}

/** Another class reaching into the pool's maps through a typed receiver. */
export class PoolReport {
  constructor(private readonly pool: Pool) {}

  versions(): string[] {
    return Array.from(this.pool.connections.values(), (entry) => entry.info).map((info) => info.version);
  }

  lastHeard(key: string): number {
    return this.pool.connections.get(key)?.lastSeen ?? 0;
  }

  entries(): [string, Info][] {
    return Array.from(this.pool.connections, ([key, entry]) => [key, entry.info] satisfies [unknown, unknown]);
  }

  send(key: string, message: string): Promise<void> {
    const conn = this.pool.connections.get(key)!.connection;
    return conn.send(message);
  }
}
