import { EventEmitter } from 'node:events';
import type { Connection, ConnectionEvent, ConnectionEvents, ConnectionListener } from '../../../src/contract/connection.js';
import { ConnectionClosedError } from '../../../src/contract/errors.js';
import type { NetworkMessage } from '../../../src/contract/messages.js';
import type { DisconnectReason, PeerInfo } from '../../../src/contract/types.js';

let nextId = 100_000;

/** A Connection with no socket: it records what is sent on it, and the test makes it see frames or close. */
export class FakeConnection implements Connection {
  readonly id = nextId++;
  readonly openedAt = 0;
  /** Bytes the socket would hold unsent: a test raises it to play a peer that stopped reading. */
  bufferedAmount = 0;
  /** Never drops a peer on its own (a getter: nothing per instance). */
  get droppedFor(): undefined {
    return undefined;
  }
  readonly sent: NetworkMessage[] = [];
  pings = 0;
  closedWith: DisconnectReason | undefined;
  /** Sends fail (a socket the peer has begun to close: the frames cannot go). */
  failSends = false;
  /** The peer never answers our close frame: the socket stays closing, no 'close' comes (a silent peer). */
  closeHangs = false;
  /** Pings resolve at once unless a test holds them. */
  holdPings = false;
  /** Where sends and pings settle: a test hands in fast-check's scheduler to interleave them. */
  settle: <T>(p: Promise<T>) => Promise<T> = (p) => p;
  readonly #held: { resolve(ms: number): void; reject(err: Error): void }[] = [];
  readonly #emitter = new EventEmitter();
  #open = true;
  #closeEmitted = false;

  constructor(readonly remoteIp: string, readonly remotePort = 9000) {}

  get isOpen(): boolean {
    return this.#open;
  }

  send(message: NetworkMessage): Promise<void> {
    if (!this.#open || this.failSends) return Promise.reject(new ConnectionClosedError());
    this.sent.push(message);
    return this.settle(Promise.resolve());
  }

  ping(): Promise<number> {
    if (!this.#open) return Promise.reject(new ConnectionClosedError());
    this.pings++;
    if (!this.holdPings) return this.settle(Promise.resolve(1));
    return new Promise((resolve, reject) => this.#held.push({ resolve, reject }));
  }

  /** Settles the held pings: a pong (and the frame seen) or a failure. */
  answerPings(ok: boolean): void {
    for (const p of this.#held.splice(0)) {
      if (ok) {
        this.emit('seen');
        p.resolve(1);
      } else p.reject(new Error('ping failed'));
    }
  }

  close(reason: DisconnectReason): void {
    if (!this.#open) return;
    this.closedWith = reason;
    if (this.closeHangs) this.#open = false;
    else this.peerClosed(4000, reason);
  }

  terminate(): void {
    this.close('shutdown');
  }

  /** The peer closes: 'close' is emitted, once, on the next microtask (as a socket would). */
  peerClosed(code = 1000, reason = ''): void {
    if (!this.#open) return;
    this.#open = false;
    queueMicrotask(() => this.emit('close', code, reason));
  }

  emit<E extends ConnectionEvent>(event: E, ...args: ConnectionEvents[E]): void {
    if (event === 'close') {
      if (this.#closeEmitted || this.#emitter.listenerCount('close') === 0) return;
      this.#closeEmitted = true;
    }
    this.#emitter.emit(event, ...args);
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.on(event, listener as (...a: unknown[]) => void);
    // As PeerConnection does: a close that happened before anyone listened is reported to the first listener.
    if (event === 'close' && !this.#open && !this.#closeEmitted) queueMicrotask(() => this.emit('close', 1006, ''));
    return this;
  }

  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return this.#emitter.listenerCount(event);
  }
}

export function peerInfo(ip: string, over: Partial<PeerInfo> = {}): PeerInfo {
  return { ip, port: 9000, version: '1.0.0', direction: 'inbound', nodeId: `node-${ip}`, ...over };
}
