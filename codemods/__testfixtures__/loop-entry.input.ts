import type { Conn, Info } from './support.js';

// A gateway's heartbeat and broadcast loops: each walks one map and looks the others up by key.
export class SocketGateway {
  private readonly connections = new Map<string, Conn>();
  private readonly peers = new Map<string, Info>();
  private readonly lastSeen = new Map<string, number>();

  accept(id: string, ws: Conn, info: Info, now: number): void {
    this.connections.set(id, ws);
    this.peers.set(id, info);
    this.lastSeen.set(id, now);
  }

  heartbeat(now: number, timeoutMs: number): string[] {
    const late: string[] = [];
    for (const [id, ws] of this.connections) {
      const last = this.lastSeen.get(id) ?? 0;
      if (now - last > timeoutMs) {
        late.push(`${id} (${this.peers.get(id)?.ip ?? '?'})`);
        ws.close();
      }
    }
    return late;
  }

  broadcast(message: string, version: string): void {
    for (const [id] of this.connections.entries()) {
      if (this.peers.get(id)?.version === version) void this.connections.get(id)!.send(message);
    }
  }

  /** A stale scan whose body reads the socket by the key: isStale, and the entry's connection. */
  sweep(now: number, maxIdleMs: number): void {
    for (const [id, t] of this.lastSeen) {
      if (now - t > maxIdleMs) this.connections.get(id)?.close();
    }
  }

  /** A read after a write in the body is a real lookup: the entry in hand may be gone. */
  evict(now: number): void {
    for (const [id, ws] of this.connections) {
      const seen = this.lastSeen.get(id);
      if (seen !== undefined && seen < now) {
        this.connections.delete(id);
        this.peers.delete(id);
        this.lastSeen.delete(id);
        ws.close();
      }
      if (this.peers.has(id)) void ws.send('still here');
    }
  }
}

/**
 * Info may be absent before the handshake: the `?.` after a read of it stays. A loop whose body is
 * not a block keeps its lookups (`names`).
 */
export class Lobby {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info | undefined>();
  readonly lastSeen = new Map<string, number>();

  enter(id: string, ws: Conn, now: number): void {
    this.connections.set(id, ws);
    this.peers.set(id, undefined);
    this.lastSeen.set(id, now);
  }

  greeted(): string[] {
    const out: string[] = [];
    for (const [id, ws] of this.connections) {
      if (this.peers.get(id)?.version) out.push(`${id}:${String(ws)}`);
    }
    return out;
  }

  names(): string[] {
    const out: string[] = [];
    for (const [id, ws] of this.connections) if (ws) out.push(this.peers.get(id)?.ip ?? id);
    return out;
  }
}

/** forEach callbacks, the other loop real gateways write. */
export class Broadcaster {
  private readonly connections = new Map<string, Conn>();
  private readonly peers = new Map<string, Info>();
  private readonly lastSeen = new Map<string, number>();

  add(id: string, ws: Conn, info: Info, now: number): void {
    this.connections.set(id, ws);
    this.peers.set(id, info);
    this.lastSeen.set(id, now);
  }

  ping(now: number): void {
    this.connections.forEach((ws, id) => {
      const info = this.peers.get(id)!;
      if (now - this.lastSeen.get(id)! > 1000) void ws.send(`ping ${info.ip}`);
    });
  }
}
