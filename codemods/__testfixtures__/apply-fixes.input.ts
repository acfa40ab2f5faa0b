import { clock, type Conn, type Info, type RwLock } from './support.js';

// --apply-fixes: the pair insert and the partial deletes of a manager that sets lastSeen apart.
// The TODO lines are what an earlier run with --insert-todos (and no --apply-fixes) left.
export class Pool {
  // TODO(poolshift): CLASS_NOT_MIGRATED Pool keeps its three maps until these are resolved: 5 site(s) marked for review
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();
  readonly connectionsLock: RwLock;
  readonly peersLock: RwLock;
  readonly lastSeenLock: RwLock;

  constructor(lock: () => RwLock) {
    this.connectionsLock = lock();
    this.peersLock = lock();
    this.lastSeenLock = lock();
  }

  async add(key: string, conn: Conn, info: Info): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('add');
    try {
      const releasePeers = await this.peersLock.write('add');
      // the connection first
      // TODO(poolshift): PARTIAL_INSERT only connections, peers written here (no lastSeen): decide what the unified entry holds
      this.connections.set(key, conn);
      // TODO(poolshift): PARTIAL_INSERT only connections, peers written here (no lastSeen): decide what the unified entry holds
      this.peers.set(key, info);
      releasePeers();
    } finally {
      releaseConnections();
    }
    await this.seen(key);
  }

  async seen(key: string): Promise<void> {
    const release = await this.lastSeenLock.write('seen');
    this.lastSeen.set(key, clock.now());
    release();
  }

  dropConnection(key: string): Info | undefined {
    this.connections.delete(key);
    return this.peers.get(key);
  }

  dropDead(key: string): void {
    const conn = this.connections.get(key);
    this.connections.delete(key);
    this.peers.delete(key);
    conn?.close();
  }

  reset(): void {
    this.connections.clear();
    this.lastSeen.clear();
  }
}
