// ECMAScript private fields (#), as newer code writes them.
export interface Channel {
  send(data: string): void;
  close(): void;
}
export interface ChannelInfo {
  label: string;
}

export class ChannelPool {
  #connections = new Map<string, Channel>();
  #peers = new Map<string, ChannelInfo>();
  #lastSeen = new Map<string, number>();

  open(id: string, channel: Channel, label: string): void {
    this.#connections.set(id, channel);
    this.#peers.set(id, { label });
    this.#lastSeen.set(id, Date.now());
  }

  seen(id: string): void {
    this.#lastSeen.set(id, Date.now());
  }

  labels(): string[] {
    return [...this.#peers.values()].map((p) => p.label);
  }

  lastSeenOf(id: string): number | undefined {
    return this.#lastSeen.get(id);
  }

  close(id: string): void {
    this.#connections.get(id)?.close();
    this.#connections.delete(id);
    this.#peers.delete(id);
    this.#lastSeen.delete(id);
  }
}
