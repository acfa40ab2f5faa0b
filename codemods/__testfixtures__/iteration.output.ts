import type { Conn, Info } from './support.js';
import { UnifiedPeerConnection } from './support.js';

export class Pool {
  readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>();

  summary(): string[] {
    const lines: string[] = [];
    this.connections.forEach(({ info }, key) => lines.push(`${key}=${info.version}`));
    this.connections.forEach(({ lastSeen: t }) => lines.push(String(t)));
    for (const { info } of this.connections.values()) lines.push(info.ip);
    for (const [key, { info: { version } }] of this.connections.entries()) lines.push(`${key}:${version}`);
    for (const [key, { connection: conn }] of this.connections) if (key) conn.close();
    for (const key of this.connections.keys()) lines.push(key);
    const ips = Array.from(this.connections.values(), (entry) => entry.info).map((i) => i.ip);
    const seen = Array.from(this.connections.entries(), ([key, { lastSeen: t }]) => `${key}@${t}`);
    const both = [...this.connections.keys(), ...Array.from(this.connections.values(), (entry) => entry.lastSeen)];
    return [...lines, ...ips, ...seen, String(both.length), String(this.connections.size)];
  }

  /** Not a strict comparison: converted as a plain iteration, not to isStale. */
  fresh(now: number, within: number): string[] {
    const out: string[] = [];
    for (const [key, { lastSeen: t }] of this.connections) if (now - t >= within) out.push(key);
    return out;
  }

  stale(now: number, after: number): number {
    let n = 0;
    for (const entry of this.connections.values()) {
      if (entry.isStale(after, now)) n++;
      else if (!entry.isStale(after, now)) n += 0;
    }
    return n;
  }
}
