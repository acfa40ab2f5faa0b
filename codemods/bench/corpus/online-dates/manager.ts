// An online tracker of game players, keyed by numeric user id, that keeps the last heartbeat as a
// Date (not a number of milliseconds), with fields declared bare and set up in the constructor.
export interface PlayerSocket {
  send(data: string): void;
  close(): void;
}
export interface Player {
  nick: string;
  rating: number;
}

export class OnlineTracker {
  timeoutSeconds: number;
  connections: Map<number, PlayerSocket>;
  peers: Map<number, Player>;
  lastSeen: Map<number, Date>;

  constructor(timeoutSeconds: number) {
    this.timeoutSeconds = timeoutSeconds;
    this.connections = new Map();
    this.peers = new Map();
    this.lastSeen = new Map();
  }

  login(userId: number, socket: PlayerSocket, player: Player): void {
    this.connections.set(userId, socket);
    this.peers.set(userId, player);
    this.lastSeen.set(userId, new Date());
  }

  update(userId: number): void {
    this.lastSeen.set(userId, new Date());
  }

  secondsIdle(userId: number): number | undefined {
    const seen = this.lastSeen.get(userId);
    return seen === undefined ? undefined : (Date.now() - seen.getTime()) / 1000;
  }

  online(): number[] {
    const out: number[] = [];
    for (const userId of this.connections.keys()) {
      const idle = this.secondsIdle(userId);
      if (idle !== undefined && idle <= this.timeoutSeconds) out.push(userId);
    }
    return out;
  }

  logout(userId: number): void {
    this.connections.delete(userId);
    this.peers.delete(userId);
    this.lastSeen.delete(userId);
  }
}
