import type { Conn, Info } from "./support.js"
import { UnifiedPeerConnection } from "./support.js"

// A file written without semicolons and with double quotes: what the codemod adds follows it.
// A `has` then a `get` of the same key asks the merged map once.
export class Presence {
  readonly connections = new Map<string, UnifiedPeerConnection<Conn, Info>>()

  join(id: string, ws: Conn, info: Info) {
    this.connections.set(id, UnifiedPeerConnection.from(ws, info, { lastSeen: Date.now() }))
    this.touch(id, info)
  }

  private touch(id: string, info: Info) {
  }

  online(id: string): boolean {
    return this.connections.has(id)
  }

  ip(id: string): string {
    return (this.connections.get(id)?.info.ip ?? "unknown")
  }

  since(id: string): number | undefined {
    return this.connections.get(id)?.lastSeen
  }

  idle(now: number, ms: number): string[] {
    const out: string[] = []
    for (const [id, entry] of this.connections) {
      const ws = entry.connection
      if (now - (entry.lastSeen) > ms) out.push(`${id}:${String(ws)}`)
    }
    return out
  }
}
