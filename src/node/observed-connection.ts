import type { Connection, ConnectionEvent, ConnectionListener } from '../contract/connection.js';
import { PingTimeoutError } from '../contract/errors.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { DisconnectReason } from '../contract/types.js';

export interface ConnectionObserver {
  /** A message was flushed to the socket. */
  sent?(connection: Connection, message: NetworkMessage): void;
  /** The connection was terminated as half-open: a keep-alive ping went unanswered. */
  halfOpen?(connection: Connection, error: Error): void;
  /** The connection closed (watched once its holder listens for 'close' or closes it). */
  closed?(connection: Connection): void;
}

/**
 * A node's own view of a real connection, handed to its pool in place of the connection: it
 * tells the node of every message flushed (what the rehearsal counts as sent), and it terminates
 * a connection whose keep-alive ping times out. Why the second: both managers mark a peer seen
 * when a send to it completes, and a send to a frozen peer completes as soon as the kernel
 * buffers it, so under steady traffic a half-open peer never goes stale. A pong that does not
 * come is the one signal that cannot be faked by our own sends; terminating the socket hands the
 * managers an ordinary close, the same one for both.
 */
export class ObservedConnection implements Connection {
  readonly #inner: Connection;
  readonly #observer: ConnectionObserver;
  #watchingClose = false;

  constructor(inner: Connection, observer: ConnectionObserver) {
    this.#inner = inner;
    this.#observer = observer;
  }

  get id(): number {
    return this.#inner.id;
  }
  get remoteIp(): string {
    return this.#inner.remoteIp;
  }
  get remotePort(): number {
    return this.#inner.remotePort;
  }
  get openedAt(): number {
    return this.#inner.openedAt;
  }
  get isOpen(): boolean {
    return this.#inner.isOpen;
  }
  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }
  get droppedFor(): DisconnectReason | undefined {
    return this.#inner.droppedFor;
  }

  async send(message: NetworkMessage): Promise<void> {
    await this.#inner.send(message);
    this.#observer.sent?.(this, message);
  }

  async ping(): Promise<number> {
    try {
      return await this.#inner.ping();
    } catch (err) {
      if (err instanceof PingTimeoutError && this.#inner.isOpen) {
        this.#observer.halfOpen?.(this, err);
        this.#inner.terminate();
      }
      throw err;
    }
  }

  close(reason: DisconnectReason, detail?: string): void {
    this.#watchClose();
    this.#inner.close(reason, detail);
  }

  terminate(): void {
    this.#watchClose();
    this.#inner.terminate();
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#inner.on(event, listener);
    if (event === 'close') this.#watchClose();
    return this;
  }

  /** Once its holder listens for 'close' or closes it, so a close is never emitted before the holder listens. */
  #watchClose(): void {
    if (this.#watchingClose || !this.#observer.closed) return;
    this.#watchingClose = true;
    this.#inner.on('close', () => this.#observer.closed?.(this));
  }

  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#inner.off(event, listener);
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return this.#inner.listenerCount(event);
  }
}
