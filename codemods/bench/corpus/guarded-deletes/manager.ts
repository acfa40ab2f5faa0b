// A session pool whose removal is guarded the way real code guards it: the result of a delete
// tells whether the session was there.
export interface Session {
  send(data: string): void;
  close(): void;
}
export interface SessionInfo {
  user: string;
}

export class SessionPool {
  readonly connections = new Map<number, Session>();
  readonly peers = new Map<number, SessionInfo>();
  readonly lastSeen = new Map<number, number>();
  private closedCount = 0;

  open(id: number, session: Session, user: string): void {
    this.connections.set(id, session);
    this.peers.set(id, { user });
    this.lastSeen.set(id, Date.now());
  }

  close(id: number): boolean {
    const session = this.connections.get(id);
    if (this.connections.delete(id)) {
      this.peers.delete(id);
      this.lastSeen.delete(id);
      session?.close();
      this.closedCount++;
      return true;
    }
    return false;
  }

  users(): string[] {
    return [...this.peers.values()].map((p) => p.user);
  }

  get closed(): number {
    return this.closedCount;
  }
}
