import { clock, type Clock, type Conn, type Info, type RwLock, UnifiedPeerConnection } from './support.js';

export class PeerManager {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();
  private readonly connectionsLock: RwLock;
  private readonly clock: Clock = clock;

  constructor(lock: () => RwLock) {
    this.connectionsLock = lock();
  }

  async add(ip: string, conn: Conn, info: Info): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('add');
    // Insert into all three maps.
    this.connections.set(ip, UnifiedPeerConnection.from(conn, info, { lastSeen: this.clock.now() })); // heard just now
    releaseConnections();
  }

  async seen(ip: string): Promise<void> {
    const release = await this.connectionsLock.write('seen');
    this.connections.get(ip)?.markSeen(this.clock.now());
    release();
  }

  async remove(ip: string): Promise<void> {
    const releasePeers = await this.connectionsLock.write('remove');
    try {
      try {
        const conn = this.connections.get(ip)?.connection;
        this.connections.delete(ip);
        conn?.close();
      } finally {
      }
    } finally {
      releasePeers();
    }
  }

  async info(ip: string): Promise<Info | undefined> {
    const release = await this.connectionsLock.read('info');
    const info = this.connections.get(ip)?.info;
    release();
    return info;
  }

  async versions(): Promise<string[]> {
    const release = await this.connectionsLock.read('versions');
    const out = Array.from(this.connections.values(), (entry) => entry.info).map((i) => i.version);
    release();
    return out;
  }

  async reap(staleAfterMs: number): Promise<string[]> {
    const release = await this.connectionsLock.read('reap');
    const now = this.clock.now();
    const stale: string[] = [];
    for (const [ip, entry] of this.connections) {
      if (entry.isStale(staleAfterMs, now)) stale.push(ip);
    }
    release();
    return stale;
  }

  count(): number {
    return this.connections.size + (this.connections.has('x') ? 1 : 0);
  }
}
