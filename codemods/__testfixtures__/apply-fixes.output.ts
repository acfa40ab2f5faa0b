import { clock, type Conn, type Info, type RwLock, UnifiedPeerConnection } from './support.js';

// --apply-fixes: the pair insert and the partial deletes of a manager that sets lastSeen apart.
// The TODO lines are what an earlier run with --insert-todos (and no --apply-fixes) left.
export class Pool {
  readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();
  readonly connectionsLock: RwLock;

  constructor(lock: () => RwLock) {
    this.connectionsLock = lock();
  }

  async add(key: string, conn: Conn, info: Info): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('add');
    try {
      // the connection first
      this.connections.set(key, UnifiedPeerConnection.from(conn, info));
    } finally {
      releaseConnections();
    }
    await this.seen(key);
  }

  async seen(key: string): Promise<void> {
    const release = await this.connectionsLock.write('seen');
    this.connections.get(key)?.markSeen(clock.now());
    release();
  }

  dropConnection(key: string): Info | undefined {
    this.connections.delete(key);
    return this.connections.get(key)?.info;
  }

  dropDead(key: string): void {
    const conn = this.connections.get(key)?.connection;
    this.connections.delete(key);
    conn?.close();
  }

  reset(): void {
    this.connections.clear();
  }
}
