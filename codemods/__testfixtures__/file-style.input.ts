import type { Conn, Info } from "./support.js"

// A file written without semicolons and with double quotes: what the codemod adds follows it.
// A `has` then a `get` of the same key asks the merged map once.
export class Presence {
  readonly connections = new Map<string, Conn>()
  readonly peers = new Map<string, Info>()
  readonly lastSeen = new Map<string, number>()

  join(id: string, ws: Conn, info: Info) {
    this.connections.set(id, ws)
    this.touch(id, info)
  }

  private touch(id: string, info: Info) {
    this.peers.set(id, info)
    this.lastSeen.set(id, Date.now())
  }

  online(id: string): boolean {
    return this.connections.has(id) && this.peers.has(id) && (this.lastSeen.has(id))
  }

  ip(id: string): string {
    return this.connections.has(id) ? this.peers.get(id)!.ip : "unknown"
  }

  since(id: string): number | undefined {
    return this.peers.has(id) ? this.lastSeen.get(id) : undefined
  }

  idle(now: number, ms: number): string[] {
    const out: string[] = []
    for (const [id, ws] of this.connections) {
      if (now - (this.lastSeen.get(id) ?? 0) > ms) out.push(`${id}:${String(ws)}`)
    }
    return out
  }
}
