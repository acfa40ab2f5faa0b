// The client registry of a peer signalling server (a peerjs-style realm): clients by id, each with
// a token and a heartbeat; messages for a client are relayed through its socket.
export interface ClientSocket {
  send(data: string): void;
  close(): void;
}
export interface ClientRecord {
  token: string;
  key: string;
}
export interface Message {
  type: 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE' | 'EXPIRE';
  src: string;
  dst: string;
}

export class Realm {
  private readonly clients: Map<string, ClientSocket> = new Map();
  private readonly records: Map<string, ClientRecord> = new Map();
  private readonly heartbeats: Map<string, number> = new Map();

  register(id: string, token: string, socket: ClientSocket): boolean {
    if (this.clients.has(id)) return false;
    this.clients.set(id, socket);
    this.records.set(id, { token, key: 'peerjs' });
    this.heartbeats.set(id, Date.now());
    return true;
  }

  heartbeat(id: string): void {
    this.heartbeats.set(id, Date.now());
  }

  tokenMatches(id: string, token: string): boolean {
    return this.records.get(id)?.token === token;
  }

  relay(message: Message): boolean {
    const dst = this.clients.get(message.dst);
    if (!dst) return false;
    dst.send(JSON.stringify(message));
    return true;
  }

  clientIds(): string[] {
    return Array.from(this.clients.keys());
  }

  expire(aliveTimeoutMs: number): string[] {
    const now = Date.now();
    const expired: string[] = [];
    for (const [id, at] of this.heartbeats.entries()) {
      if (now - at > aliveTimeoutMs) expired.push(id);
    }
    for (const id of expired) {
      this.clients.get(id)?.close();
      this.clients.delete(id);
      this.records.delete(id);
      this.heartbeats.delete(id);
    }
    return expired;
  }
}
