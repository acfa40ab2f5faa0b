import type { Conn, Info } from './support.js';

// A WebSocket gateway's status endpoints: every way code reads the three maps.
export class Gateway {
  private readonly connections = new Map<string, Conn>();
  private readonly peers = new Map<string, Info>();
  private readonly lastSeen = new Map<string, number>();

  register(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, socket);
    this.peers.set(id, info);
    this.lastSeen.set(id, now);
  }

  newest(): number {
    return Math.max(0, ...this.lastSeen.values());
  }

  oldest(): number {
    return Math.min(...Array.from(this.lastSeen.values()));
  }

  table(): [string, Info][] {
    return [...this.peers.entries()];
  }

  versions(): Set<string> {
    return new Set(Array.from(this.peers.values(), (info) => info.version));
  }

  firstPeer(): Info | undefined {
    const [first] = this.peers.values();
    return first;
  }

  anyPeer(): string | undefined {
    return this.peers.values().next().value?.ip;
  }

  snapshot(): Map<string, number> {
    return new Map(this.lastSeen);
  }

  firstEntry(): string | undefined {
    const [[id, info] = ['', undefined]] = this.peers;
    return info ? `${id}@${info.ip}` : undefined;
  }

  count(): number {
    const { size } = this.connections;
    return size;
  }

  times(): number[] {
    const out: number[] = [];
    this.lastSeen.forEach((t, id) => {
      if (id) out.push(t);
    });
    return out;
  }

  ips(): string {
    return describe(this.peers) + ` (${countRecent(this.lastSeen, 0)})`;
  }

  known(ids: string[]): string[] {
    return onlyKnown(ids, this.connections);
  }

  recentKeys(since: number): string[] {
    return [...this.lastSeen].filter(([, t]) => t > since).map(([id]) => id);
  }
}

/** Only reads the map it is given. */
function describe(peers: ReadonlyMap<string, Info>): string {
  const ips: string[] = [];
  for (const [id, info] of peers) ips.push(`${id}=${info.ip}`);
  return `${peers.size}: ${ips.join(', ')}`;
}

function countRecent(seen: Map<string, number>, since: number): number {
  let n = 0;
  seen.forEach((t) => {
    if (t > since) n++;
  });
  return n;
}

function onlyKnown(ids: string[], sockets: ReadonlyMap<string, Conn>): string[] {
  return ids.filter((id) => sockets.has(id));
}
