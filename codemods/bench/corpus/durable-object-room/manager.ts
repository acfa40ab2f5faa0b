// A chat room as a Durable Object would hold it: sessions by id, each user's profile, when each
// last answered a ping. Other names than the codemod's defaults: `--detect` finds them.
export interface RoomSocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
}
export interface Profile {
  name: string;
  joinedAt: number;
}

export class ChatRoom {
  private sessions = new Map<string, RoomSocket>();
  private users = new Map<string, Profile>();
  private lastPong = new Map<string, number>();

  constructor(private readonly pongTimeoutMs: number) {}

  webSocketOpen(sessionId: string, ws: RoomSocket, name: string): void {
    const now = Date.now();
    this.sessions.set(sessionId, ws);
    this.users.set(sessionId, { name, joinedAt: now });
    this.lastPong.set(sessionId, now);
    this.broadcast({ type: 'joined', name });
  }

  webSocketMessage(sessionId: string, message: string): void {
    const user = this.users.get(sessionId);
    if (!user) return;
    if (message === 'pong') {
      this.lastPong.set(sessionId, Date.now());
      return;
    }
    this.broadcast({ type: 'message', name: user.name, message });
  }

  alarm(): string[] {
    const now = Date.now();
    const closed: string[] = [];
    for (const [sessionId, pong] of this.lastPong) {
      if (now - pong > this.pongTimeoutMs) closed.push(sessionId);
    }
    for (const sessionId of closed) {
      this.sessions.get(sessionId)?.close(1011, 'no pong');
      this.webSocketClose(sessionId);
    }
    return closed;
  }

  webSocketClose(sessionId: string): void {
    const user = this.users.get(sessionId);
    this.sessions.delete(sessionId);
    this.users.delete(sessionId);
    this.lastPong.delete(sessionId);
    if (user) this.broadcast({ type: 'left', name: user.name });
  }

  members(): string[] {
    return Array.from(this.users.values(), (u) => u.name).sort();
  }

  private broadcast(event: Record<string, string>): void {
    const text = JSON.stringify(event);
    this.sessions.forEach((ws) => ws.send(text));
  }
}
