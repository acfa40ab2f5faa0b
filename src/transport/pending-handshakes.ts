import type { WebSocket } from 'ws';
import { subnetOf } from '../limits/subnet.js';

interface Pending {
  readonly abort: AbortController;
  readonly ip: string;
  readonly subnet: string;
}

/**
 * The listener's handshakes in progress, counted in all, per IP and per subnet (subnetOf), so
 * that no one source can hold every slot of the global cap.
 */
export class PendingHandshakes {
  readonly #entries = new Map<WebSocket, Pending>();
  readonly #perIp = new Map<string, number>();
  readonly #perSubnet = new Map<string, number>();

  get size(): number {
    return this.#entries.size;
  }

  /** Handshakes in progress from this IP, and from its subnet. */
  countFor(ip: string): { ip: number; subnet: number } {
    return { ip: this.#perIp.get(ip) ?? 0, subnet: this.#perSubnet.get(subnetOf(ip)) ?? 0 };
  }

  add(ws: WebSocket, ip: string, abort: AbortController): void {
    const subnet = subnetOf(ip);
    this.#entries.set(ws, { abort, ip, subnet });
    bump(this.#perIp, ip, 1);
    bump(this.#perSubnet, subnet, 1);
  }

  /** False if the socket was not (or no longer) pending. */
  delete(ws: WebSocket): boolean {
    const pending = this.#entries.get(ws);
    if (!pending) return false;
    this.#entries.delete(ws);
    bump(this.#perIp, pending.ip, -1);
    bump(this.#perSubnet, pending.subnet, -1);
    return true;
  }

  /** Forgets every handshake and returns their abort controllers. */
  clear(): AbortController[] {
    const aborts = [...this.#entries.values()].map((p) => p.abort);
    this.#entries.clear();
    this.#perIp.clear();
    this.#perSubnet.clear();
    return aborts;
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
