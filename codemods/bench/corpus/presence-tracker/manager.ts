// A presence tracker: who is online, their status, when they were last heard. Private fields set
// up in the constructor, a sweep that reaps the silent.
export interface PresenceSocket {
  send(data: string): void;
  close(): void;
}
export interface Presence {
  userName: string;
  status: 'online' | 'away';
}

export class PresenceTracker {
  private readonly connections: Map<string, PresenceSocket>;
  private readonly peers: Map<string, Presence>;
  private readonly lastSeen: Map<string, number>;

  constructor(private readonly timeoutMs: number) {
    this.connections = new Map();
    this.peers = new Map();
    this.lastSeen = new Map();
  }

  track(id: string, socket: PresenceSocket, presence: Presence): void {
    this.connections.set(id, socket);
    this.peers.set(id, presence);
    this.lastSeen.set(id, Date.now());
  }

  heartbeat(id: string): void {
    if (!this.connections.has(id)) return;
    this.lastSeen.set(id, Date.now());
  }

  statusOf(id: string): string | undefined {
    return this.peers.get(id)?.status;
  }

  online(): string[] {
    const names: string[] = [];
    for (const [, presence] of this.peers) names.push(presence.userName);
    return names.sort();
  }

  notifyAll(text: string): void {
    for (const socket of this.connections.values()) socket.send(text);
  }

  sweep(): string[] {
    const now = Date.now();
    const gone: string[] = [];
    for (const [id, seen] of this.lastSeen) {
      if (now - seen > this.timeoutMs) gone.push(id);
    }
    for (const id of gone) this.untrack(id);
    return gone;
  }

  untrack(id: string): void {
    this.connections.get(id)?.close();
    this.connections.delete(id);
    this.peers.delete(id);
    this.lastSeen.delete(id);
  }

  get count(): number {
    return this.connections.size;
  }
}
