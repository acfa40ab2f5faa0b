import { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../contract/clock.js';

interface Closing {
  readonly timer: TimerHandle;
  readonly onClose: () => void;
}

/**
 * Sockets we refused and sent a close frame, until they are gone. A graceful close waits for the
 * peer's close frame, and ws gives a peer that never sends one 30 s; that would make every
 * refusal cost us a socket for 30 s and the refused peer nothing. So a socket whose peer has not
 * finished the closing handshake within `graceMs` is terminated. `close()` terminates the rest.
 */
export class ClosingSockets {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #sockets = new Map<WebSocket, Closing>();
  #closed = false;

  constructor(clock: Clock, graceMs: number) {
    this.#clock = clock;
    this.#graceMs = graceMs;
  }

  /** Sockets closed by us and not gone yet. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Watches a socket we have just closed (or failed); one already gone is ignored. */
  add(ws: WebSocket): void {
    if (ws.readyState === WebSocket.CLOSED || this.#sockets.has(ws)) return;
    if (this.#closed) {
      ws.terminate();
      return;
    }
    const onClose = (): void => this.#forget(ws);
    const timer = this.#clock.setTimeout(() => {
      this.#forget(ws);
      ws.terminate();
    }, this.#graceMs);
    this.#sockets.set(ws, { timer, onClose });
    ws.once('close', onClose);
  }

  /** Terminates every socket still closing and clears their timers. */
  close(): void {
    this.#closed = true;
    for (const ws of [...this.#sockets.keys()]) {
      this.#forget(ws);
      ws.terminate();
    }
  }

  #forget(ws: WebSocket): void {
    const closing = this.#sockets.get(ws);
    if (!closing) return;
    this.#sockets.delete(ws);
    this.#clock.clearTimeout(closing.timer);
    ws.off('close', closing.onClose);
  }
}
