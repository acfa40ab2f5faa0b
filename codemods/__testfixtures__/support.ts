// Shared by the fixtures: just enough types for them to type-check.
export interface Conn {
  close(): void;
  send(message: string): Promise<void>;
}
export interface Info {
  ip: string;
  version: string;
}
export interface Clock {
  now(): number;
}
export const clock: Clock = { now: () => Date.now() };
export interface RwLock {
  read(op: string): Promise<() => void>;
  write(op: string): Promise<() => void>;
}
export class UnifiedPeerConnection<C, I> {
  lastSeen = 0;
  connectedAt = 0;
  health = 100;
  constructor(
    readonly connection: C,
    readonly info: I,
  ) {}
  static from<C, I>(connection: C, info: I, options?: { lastSeen?: number }): UnifiedPeerConnection<C, I> {
    const u = new UnifiedPeerConnection(connection, info);
    u.lastSeen = options?.lastSeen ?? 0;
    return u;
  }
  markSeen(at = 0): this {
    this.lastSeen = at;
    return this;
  }
  isStale(staleAfterMs: number, now = 0): boolean {
    return now - this.lastSeen > staleAfterMs;
  }
}
