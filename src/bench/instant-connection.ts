import { EventEmitter } from 'node:events';
import type { Connection, ConnectionEvent, ConnectionListener } from '../contract/connection.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { DisconnectReason } from '../contract/types.js';

const DONE: Promise<void> = Promise.resolve();
let nextId = 1_000_000_000;

/**
 * A stand-in connection whose sends complete at once: no socket, no encoding. With it, what a
 * send costs is the pool's own overhead, which is what the per-operation figures measure.
 */
export class InstantConnection implements Connection {
  readonly id = nextId++;
  readonly openedAt: number;
  readonly bufferedAmount = 0;
  /** Never drops a peer on its own (a getter: nothing per instance). */
  get droppedFor(): undefined {
    return undefined;
  }
  /** Messages "sent" so far. */
  sent = 0;
  #open = true;
  readonly #emitter = new EventEmitter();

  constructor(
    readonly remoteIp: string,
    readonly remotePort: number,
    openedAt = 0,
  ) {
    this.openedAt = openedAt;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  send(_message: NetworkMessage): Promise<void> {
    this.sent++;
    return DONE;
  }

  ping(): Promise<number> {
    return Promise.resolve(0);
  }

  close(_reason: DisconnectReason, _detail?: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#emitter.emit('close', 1000, 'closed');
  }

  terminate(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#emitter.emit('close', 1006, '');
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return this.#emitter.listenerCount(event);
  }
}
