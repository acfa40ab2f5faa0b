import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

// A WebSocket gateway's status endpoints: every way code reads the three maps.
export class Gateway {
  private readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  register(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, UnifiedPeerConnection.from(socket, info, { lastSeen: now }));
  }

  newest(): number {
    return Math.max(0, ...Array.from(this.connections.values(), (entry) => entry.lastSeen));
  }

  oldest(): number {
    return Math.min(...Array.from(this.connections.values(), (entry) => entry.lastSeen));
  }

  table(): [string, Info][] {
    return Array.from(this.connections.entries(), ([key, entry]) => [key, entry.info] satisfies [unknown, unknown]);
  }

  versions(): Set<string> {
    return new Set(Array.from(this.connections.values(), ({ info }) => info.version));
  }

  firstPeer(): Info | undefined {
    const [first] = Array.from(this.connections.values(), (entry) => entry.info);
    return first;
  }

  anyPeer(): string | undefined {
    return this.connections.values().next().value?.info?.ip;
  }

  snapshot(): Map<string, number> {
    return new Map(Array.from(this.connections, ([key, entry]) => [key, entry.lastSeen] satisfies [unknown, unknown]));
  }

  firstEntry(): string | undefined {
    const [[id, info] = ['', undefined]] = Array.from(this.connections, ([key, entry]) => [key, entry.info] satisfies [unknown, unknown]);
    return info ? `${id}@${info.ip}` : undefined;
  }

  count(): number {
    const { size } = this.connections;
    return size;
  }

  times(): number[] {
    const out: number[] = [];
    this.connections.forEach(({ lastSeen: t }, id) => {
      if (id) out.push(t);
    });
    return out;
  }

  ips(): string {
    return describe(new Map(Array.from(this.connections, ([key, entry]) => [key, entry.info] satisfies [unknown, unknown]))) + ` (${countRecent(new Map(Array.from(this.connections, ([key, entry]) => [key, entry.lastSeen] satisfies [unknown, unknown])), 0)})`;
  }

  known(ids: string[]): string[] {
    return onlyKnown(ids, new Map(Array.from(this.connections, ([key, entry]) => [key, entry.connection] satisfies [unknown, unknown])));
  }

  recentKeys(since: number): string[] {
    return Array.from(this.connections, ([key, entry]) => [key, entry.lastSeen] satisfies [unknown, unknown]).filter(([, t]) => t > since).map(([id]) => id);
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
