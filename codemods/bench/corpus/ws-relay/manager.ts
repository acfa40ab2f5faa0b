// A topic relay on real `ws` sockets: what a subscriber sends goes to the others on its topic,
// each message acknowledged to its sender; a closed socket leaves.
import type { WebSocket } from 'ws';

export interface Subscriber {
  name: string;
  topic: string;
}

export class Relay {
  readonly connections = new Map<string, WebSocket>();
  readonly peers = new Map<string, Subscriber>();
  readonly lastSeen = new Map<string, number>();

  attach(id: string, ws: WebSocket, subscriber: Subscriber): void {
    this.connections.set(id, ws);
    this.peers.set(id, subscriber);
    this.lastSeen.set(id, Date.now());
    ws.on('message', (data) => this.onMessage(id, String(data)));
    ws.on('close', () => this.detach(id));
  }

  onMessage(id: string, text: string): void {
    this.lastSeen.set(id, Date.now());
    const from = this.peers.get(id);
    if (!from) return;
    if (text !== 'flush') {
      for (const [other, socket] of this.connections) {
        if (other !== id && this.peers.get(other)?.topic === from.topic) socket.send(`${from.name}: ${text}`);
      }
    }
    this.connections.get(id)?.send(`ack ${text} at ${this.lastSeen.get(id)}`);
  }

  detach(id: string): void {
    this.connections.delete(id);
    this.peers.delete(id);
    this.lastSeen.delete(id);
  }

  names(): string[] {
    return [...this.peers.values()].map((p) => p.name).sort();
  }
}
