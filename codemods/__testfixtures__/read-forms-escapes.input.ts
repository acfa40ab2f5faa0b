import type { Conn, Info } from './support.js';

// Only a real escape is refused: a map returned, stored, or handed to code that changes it or
// reads it later.
export class Hub {
  private readonly connections = new Map<string, Conn>();
  private readonly peers = new Map<string, Info>();
  private readonly lastSeen = new Map<string, number>();
  private readonly stats = new Stats();

  join(id: string, socket: Conn, info: Info, now: number): void {
    this.connections.set(id, socket);
    this.peers.set(id, info);
    this.lastSeen.set(id, now);
  }

  prune(before: number): void {
    dropOlder(this.lastSeen, before);
  }

  report(): Promise<number> {
    return countLater(this.peers);
  }

  watch(): void {
    this.stats.track(this.connections);
  }

  later(): void {
    logSoon(this.lastSeen);
  }

  cursor(): Iterator<Info> {
    return valuesOf(this.peers);
  }

  get all(): ReadonlyMap<string, Info> {
    return this.peers;
  }
}

function dropOlder(seen: Map<string, number>, before: number): void {
  for (const [id, t] of seen) if (t < before) seen.delete(id);
}

async function countLater(peers: ReadonlyMap<string, Info>): Promise<number> {
  await Promise.resolve();
  return peers.size;
}

/** Reads, but hands back an iterator that reads the map later. */
function valuesOf(peers: ReadonlyMap<string, Info>): Iterator<Info> {
  return peers.values();
}

function logSoon(seen: ReadonlyMap<string, number>): void {
  void Promise.resolve().then(() => log(`${seen.size} seen`));
}

function log(line: string): void {
  lines.push(line);
}
const lines: string[] = [];

class Stats {
  private source: ReadonlyMap<string, Conn> | undefined;
  track(source: ReadonlyMap<string, Conn>): void {
    this.source = source;
  }
  get count(): number {
    return this.source?.size ?? 0;
  }
}
