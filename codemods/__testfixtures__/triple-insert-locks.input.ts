import { clock, type Clock, type Conn, type Info, type RwLock } from './support.js';

export class PeerManager {
  private readonly connections = new Map<string, Conn>();
  private readonly peers = new Map<string, Info>();
  /** When each peer was last heard from (ms). */
  private readonly lastSeen = new Map<string, number>();
  private readonly connectionsLock: RwLock;
  private readonly peersLock: RwLock;
  private readonly lastSeenLock: RwLock;
  private readonly clock: Clock = clock;

  constructor(lock: () => RwLock) {
    this.connectionsLock = lock();
    this.peersLock = lock();
    this.lastSeenLock = lock();
  }

  async add(ip: string, conn: Conn, info: Info): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('add');
    const releasePeers = await this.peersLock.write('add');
    const releaseLastSeen = await this.lastSeenLock.write('add');
    // Insert into all three maps.
    this.connections.set(ip, conn);
    this.peers.set(ip, info);
    this.lastSeen.set(ip, this.clock.now()); // heard just now
    releaseLastSeen();
    releasePeers();
    releaseConnections();
  }

  async seen(ip: string): Promise<void> {
    const release = await this.lastSeenLock.write('seen');
    this.lastSeen.set(ip, this.clock.now());
    release();
  }

  async remove(ip: string): Promise<void> {
    const releasePeers = await this.peersLock.write('remove');
    try {
      const releaseConnections = await this.connectionsLock.write('remove');
      try {
        const releaseLastSeen = await this.lastSeenLock.write('remove');
        const conn = this.connections.get(ip);
        this.connections.delete(ip);
        this.peers.delete(ip);
        this.lastSeen.delete(ip);
        releaseLastSeen();
        conn?.close();
      } finally {
        releaseConnections();
      }
    } finally {
      releasePeers();
    }
  }

  async info(ip: string): Promise<Info | undefined> {
    const release = await this.peersLock.read('info');
    const info = this.peers.get(ip);
    release();
    return info;
  }

  async versions(): Promise<string[]> {
    const release = await this.peersLock.read('versions');
    const out = [...this.peers.values()].map((i) => i.version);
    release();
    return out;
  }

  async reap(staleAfterMs: number): Promise<string[]> {
    const release = await this.lastSeenLock.read('reap');
    const now = this.clock.now();
    const stale: string[] = [];
    for (const [ip, seen] of this.lastSeen) {
      if (now - seen > staleAfterMs) stale.push(ip);
    }
    release();
    return stale;
  }

  count(): number {
    return this.peers.size + (this.lastSeen.has('x') ? 1 : 0);
  }
}
