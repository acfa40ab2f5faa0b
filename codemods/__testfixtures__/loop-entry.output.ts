import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

// A gateway's heartbeat and broadcast loops: each walks one map and looks the others up by key.
export class SocketGateway {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  accept(id: string, ws: Conn, info: Info, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(ws, info, { lastSeen: now }));
  }

  heartbeat(now: number, timeoutMs: number): string[] {
    const late: string[] = [];
    for (const [id, entry] of this.connections) {
      const ws = entry.connection;
      const last = entry.lastSeen;
      if (now - last > timeoutMs) {
        late.push(`${id} (${entry.info.ip ?? '?'})`);
        ws.close();
      }
    }
    return late;
  }

  broadcast(message: string, version: string): void {
    for (const [id, entry] of this.connections.entries()) {
      if (entry.info.version === version) void entry.connection.send(message);
    }
  }

  /** A stale scan whose body reads the socket by the key: isStale, and the entry's connection. */
  sweep(now: number, maxIdleMs: number): void {
    for (const [id, entry] of this.connections) {
      if (entry.isStale(maxIdleMs, now)) entry.connection.close();
    }
  }

  /** A read after a write in the body is a real lookup: the entry in hand may be gone. */
  evict(now: number): void {
    for (const [id, entry] of this.connections) {
      const ws = entry.connection;
      const seen = entry.lastSeen;
      if (seen !== undefined && seen < now) {
        this.connections.delete(id);
        ws.close();
      }
      if (this.connections.has(id)) void ws.send('still here');
    }
  }
}

/**
 * Info may be absent before the handshake: the `?.` after a read of it stays. A loop whose body is
 * not a block keeps its lookups (`names`).
 */
export class Lobby {
  readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info | undefined>>();

  enter(id: string, ws: Conn, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(ws, undefined, { lastSeen: now }));
  }

  greeted(): string[] {
    const out: string[] = [];
    for (const [id, entry] of this.connections) {
      const ws = entry.connection;
      if (entry.info?.version) out.push(`${id}:${String(ws)}`);
    }
    return out;
  }

  names(): string[] {
    const out: string[] = [];
    for (const [id, { connection: ws }] of this.connections) if (ws) out.push(this.connections.get(id)?.info?.ip ?? id);
    return out;
  }
}

/** forEach callbacks, the other loop real gateways write. */
export class Broadcaster {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  add(id: string, ws: Conn, info: Info, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(ws, info, { lastSeen: now }));
  }

  ping(now: number): void {
    this.connections.forEach((entry, id) => {
      const ws = entry.connection;
      const info = entry.info;
      if (now - entry.lastSeen > 1000) void ws.send(`ping ${info.ip}`);
    });
  }
}
