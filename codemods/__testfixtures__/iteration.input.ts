import type { Conn, Info } from './support.js';

export class Pool {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  summary(): string[] {
    const lines: string[] = [];
    this.peers.forEach((info, key) => lines.push(`${key}=${info.version}`));
    this.lastSeen.forEach((t) => lines.push(String(t)));
    for (const info of this.peers.values()) lines.push(info.ip);
    for (const [key, { version }] of this.peers.entries()) lines.push(`${key}:${version}`);
    for (const [key, conn] of this.connections) if (key) conn.close();
    for (const key of this.peers.keys()) lines.push(key);
    const ips = [...this.peers.values()].map((i) => i.ip);
    const seen = Array.from(this.lastSeen.entries(), ([key, t]) => `${key}@${t}`);
    const both = [...this.connections.keys(), ...this.lastSeen.values()];
    return [...lines, ...ips, ...seen, String(both.length), String(this.lastSeen.size)];
  }

  /** Not a strict comparison: converted as a plain iteration, not to isStale. */
  fresh(now: number, within: number): string[] {
    const out: string[] = [];
    for (const [key, t] of this.lastSeen) if (now - t >= within) out.push(key);
    return out;
  }

  stale(now: number, after: number): number {
    let n = 0;
    for (const t of this.lastSeen.values()) {
      if (after < now - t) n++;
      else if (now - t <= after) n += 0;
    }
    return n;
  }
}
