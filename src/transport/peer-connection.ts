import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { systemClock, TimerSet, type Clock, type TimerHandle } from '../contract/clock.js';
import { CLOSE_CODES, closeReasonText } from './close-codes.js';
import { decodeMessage, encodeMessage } from '../contract/codec.js';
import type { Connection, ConnectionEvent, ConnectionListener } from '../contract/connection.js';
import {
  BackpressureError,
  ConnectionClosedError,
  PingTimeoutError,
  ProtocolError,
  SendError,
} from '../contract/errors.js';
import type { EarlyFrames, RawFrame } from './handshake.js';
import type { NetworkMessage } from '../contract/messages.js';
import { SendQueue, type PendingSend } from './send-queue.js';
import type { DisconnectReason } from '../contract/types.js';
import { TRANSPORT_DEFAULTS } from './transport-defaults.js';
import { wholeMs } from '../util/readable-duration.js';
import { PeerRateBudget, resolvePeerRateLimit, type PeerRateLimitOptions } from '../limits/peer-rate-limit.js';

export interface PeerConnectionOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** A send not flushed to the socket within this is rejected (the legacy node's 5 s). */
  readonly sendTimeoutMs?: number;
  readonly pingTimeoutMs?: number;
  /** Bytes buffered on the socket above which sends are refused: the peer is not reading. */
  readonly highWaterMark?: number;
  /**
   * What the peer may send us (frames and bytes a second, bursts, how long it may stay over):
   * frames over it are dropped, a peer that stays over is closed `rate-exceeded`. Defaults in
   * TRANSPORT_DEFAULTS.rateLimit; `false` turns it off. Invalid values: ConfigError.
   */
  readonly rateLimit?: PeerRateLimitOptions | false;
}

/** Where the socket leads, and what arrived before the connection took it over. */
export interface PeerSocket {
  readonly ip: string;
  readonly port: number;
  readonly early?: EarlyFrames;
}

const silent = pino({ level: 'silent' });

/** ws's errors for a frame it refused, with the close code it sent for each. */
const WS_FRAME_ERRORS: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_UNEXPECTED_RSV_1: 1002,
  WS_ERR_UNEXPECTED_RSV_2_3: 1002,
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
};
let nextId = 1;

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer: TimerHandle | undefined;
  sentAt: number;
}

type State = 'open' | 'closing' | 'closed';

/**
 * A handshaken ws socket as the managers see it. It reads nothing until a 'message' or 'seen'
 * listener is attached or a ping is sent (as a Node stream starts flowing on 'data'), so a
 * manager that takes a lock before subscribing loses no frame.
 */
export class PeerConnection implements Connection {
  readonly id = nextId++;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly openedAt: number;

  /**
   * Dropped once closed, with everything else heavy (early frames, pending sends, the child
   * logger): a manager that keeps a stale reference to a closed connection keeps a small shell.
   */
  #ws: WebSocket | undefined;
  readonly #clock: Clock;
  #log: Logger;
  readonly #timers: TimerSet;
  readonly #emitter = new EventEmitter();
  readonly #sends: SendQueue;
  readonly #pingTimeoutMs: number;
  readonly #highWaterMark: number;
  /** Keyed by the ping payload, which the pong echoes; insertion order is FIFO. */
  readonly #pings = new Map<string, Pending<number>>();
  #early: RawFrame[];
  #pingSeq = 0;
  #protocolErrors = 0;
  #state: State = 'open';
  #flowing = false;
  #closeEmitted = false;
  /** The code and text we closed with: what 'close' reports when we were the ones to close. */
  #localClose: [number, string] | undefined;
  /** Undefined when the rate limit is off. */
  readonly #budget: PeerRateBudget | undefined;
  #droppedFor: DisconnectReason | undefined;

  constructor(ws: WebSocket, socket: PeerSocket, options: PeerConnectionOptions = {}) {
    let limit: ReturnType<typeof resolvePeerRateLimit> | undefined;
    try {
      limit = options.rateLimit === false ? undefined : resolvePeerRateLimit(options.rateLimit ?? TRANSPORT_DEFAULTS.rateLimit);
    } catch (err) {
      // Refused before the socket is taken over: nothing of it is left open.
      socket.early?.detach();
      ws.on('error', () => undefined);
      ws.terminate();
      throw err;
    }
    this.#ws = ws;
    this.remoteIp = socket.ip;
    this.remotePort = socket.port;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silent).child({ conn: this.id, peer: `${socket.ip}:${socket.port}` });
    this.#timers = new TimerSet(this.#clock);
    this.#sends = new SendQueue(this.#timers, this.#clock, options.sendTimeoutMs ?? TRANSPORT_DEFAULTS.sendTimeoutMs);
    this.#pingTimeoutMs = options.pingTimeoutMs ?? TRANSPORT_DEFAULTS.pingTimeoutMs;
    this.#highWaterMark = options.highWaterMark ?? TRANSPORT_DEFAULTS.highWaterMark;
    this.openedAt = this.#clock.now();
    this.#budget = limit && PeerRateBudget.create(limit, this.openedAt);

    ws.on('message', this.#onMessage);
    ws.on('pong', this.#onPong);
    ws.on('close', this.#onClose);
    ws.on('error', this.#onError);
    // Ours are on before the handshake's come off: never a moment without an 'error' listener.
    socket.early?.detach();
    this.#early = socket.early?.frames ?? [];
    if (ws.readyState === WebSocket.OPEN) ws.pause();
    else if (ws.readyState === WebSocket.CLOSED) this.#onClose(1006, Buffer.alloc(0));
    else this.#state = 'closing';
  }

  get isOpen(): boolean {
    return this.#state === 'open' && this.#ws?.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Frames refused as protocol errors (0 or 1: the first one closes the connection). */
  get protocolErrors(): number {
    return this.#protocolErrors;
  }

  /** Frames dropped by the rate limit (not delivered, not even counted as seen). */
  get framesDropped(): number {
    return this.#budget?.dropped ?? 0;
  }

  get droppedFor(): DisconnectReason | undefined {
    return this.#droppedFor;
  }

  /** What the connection still holds: both zero once 'close' has been emitted. */
  resources(): { timers: number; socketListeners: number } {
    let socketListeners = 0;
    const ws = this.#ws;
    for (const [event, fn] of [
      ['message', this.#onMessage],
      ['pong', this.#onPong],
      ['close', this.#onClose],
      ['error', this.#onError],
    ] as const) {
      if (ws?.listeners(event).includes(fn)) socketListeners++;
    }
    return { timers: this.#timers.size, socketListeners };
  }

  send(message: NetworkMessage): Promise<void> {
    let data: string;
    try {
      data = encodeMessage(message);
    } catch (err) {
      return Promise.reject(new SendError(this.remoteIp, `cannot encode ${message.type}: ${(err as Error).message}`, { cause: err }));
    }
    return this.sendEncoded(data);
  }

  /**
   * Sends a frame already encoded with `encodeMessage`, unchecked: a broadcast encodes once for
   * every peer. Same guarantees and errors as `send`.
   */
  sendEncoded(data: string): Promise<void> {
    const ws = this.#ws;
    if (this.#state !== 'open' || ws === undefined) return Promise.reject(new ConnectionClosedError());
    const buffered = ws.bufferedAmount;
    if (buffered > this.#highWaterMark) return Promise.reject(new BackpressureError(buffered, this.#highWaterMark));
    return new Promise<void>((resolve, reject) => {
      const pending = this.#sends.add(resolve, reject);
      ws.send(data, (err) => this.#settleSend(pending, err));
    });
  }

  ping(): Promise<number> {
    const ws = this.#ws;
    // Not only closed by us: a peer's close frame leaves ws CLOSING while our state is still
    // open, and a ping then is no failure of the peer (it said goodbye), the connection is closing.
    if (!this.isOpen || ws === undefined) return Promise.reject(new ConnectionClosedError());
    // The pong must be read: asking for one starts reading.
    if (!this.#flowing) this.#startFlowing();
    const key = String(++this.#pingSeq);
    return new Promise<number>((resolve, reject) => {
      const pending: Pending<number> = { resolve, reject, timer: undefined, sentAt: this.#clock.now() };
      pending.timer = this.#timers.timeout(() => {
        if (this.#pings.delete(key)) reject(new PingTimeoutError(this.#pingTimeoutMs));
      }, this.#pingTimeoutMs);
      this.#pings.set(key, pending);
      ws.ping(key, undefined, (err) => {
        if (!err || !this.#pings.delete(key)) return;
        this.#timers.clear(pending.timer);
        reject(this.#failure('ping', err));
      });
    });
  }

  close(reason: DisconnectReason, detail?: string): void {
    const ws = this.#ws;
    if (this.#state !== 'open' || ws === undefined) return;
    this.#state = 'closing';
    const code = CLOSE_CODES[reason];
    const text = closeReasonText(reason, detail);
    this.#localClose = [code, text];
    this.#log.debug({ code, reason: text }, 'closing');
    ws.close(code, text);
    // The peer's close frame must be read for the closing handshake to end.
    ws.resume();
  }

  terminate(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    this.#ws?.terminate();
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    if (!this.#flowing && (event === 'message' || event === 'seen')) this.#startFlowing();
    else if (this.#state === 'closed' && !this.#closeEmitted) queueMicrotask(() => this.#emitClose());
    return this;
  }

  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return this.#emitter.listenerCount(event);
  }

  #startFlowing(): void {
    this.#flowing = true;
    // After the caller's current turn, so that it can attach its other listeners first.
    queueMicrotask(() => {
      const early = this.#early;
      this.#early = [];
      for (const [data, isBinary] of early) this.#onMessage(data, isBinary);
      if (this.#state === 'closed') this.#emitClose();
      else this.#ws?.resume();
    });
  }

  readonly #onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (this.#state !== 'open') return;
    // Before anything else is spent on it (the managers' 'seen', the decode): a frame over the
    // budget costs ws's parse only. Pongs never come here, so keep-alive is never starved.
    if (this.#budget !== undefined && !this.#withinBudget(data)) return;
    this.#emitter.emit('seen');
    let message: NetworkMessage;
    try {
      message = decodeMessage(data, isBinary);
    } catch (err) {
      this.#refuse(err as ProtocolError);
      return;
    }
    this.#emitter.emit('message', message);
  };

  readonly #onPong = (data: Buffer): void => {
    if (this.#state === 'closed') return;
    this.#emitter.emit('seen');
    // A peer that does not echo the payload answers the oldest ping; an unsolicited pong is only life.
    const key = data.length > 0 ? data.toString('latin1') : this.#pings.keys().next().value;
    if (key === undefined) return;
    const pending = this.#pings.get(key);
    if (!pending) return;
    this.#pings.delete(key);
    this.#timers.clear(pending.timer);
    pending.resolve(this.#clock.now() - pending.sentAt);
  };

  readonly #onError = (err: Error & { code?: string }): void => {
    // ws closes the socket itself after any error; all that is left is to say why.
    if (this.#state === 'open') this.#state = 'closing';
    const wsCode = err.code === undefined ? undefined : WS_FRAME_ERRORS[err.code];
    if (wsCode !== undefined) {
      // ws has sent this code and stopped reading, so the peer's echo never arrives: report ours.
      this.#localClose ??= [wsCode, ''];
      const fault = wsCode === 1009 || wsCode === 1008 ? 'oversized' : 'malformed-json';
      const error = new ProtocolError(fault, err.message);
      this.#protocolErrors++;
      this.#log.debug({ err: error }, 'frame refused by ws');
      this.#emitter.emit('protocol-error', error);
      return;
    }
    this.#log.debug({ err }, 'socket error');
  };

  readonly #onClose = (code: number, reason: Buffer): void => {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.off('message', this.#onMessage).off('pong', this.#onPong).off('close', this.#onClose).off('error', this.#onError);
    this.#timers.clearAll();
    this.#sends.close(() => new ConnectionClosedError('connection closed before the send was flushed'));
    for (const pending of this.#pings.values()) pending.reject(new ConnectionClosedError('connection closed before the pong'));
    this.#pings.clear();
    this.#early = [];
    if (!this.#localClose) this.#localClose = [code, reason.toString('utf8')];
    this.#log.debug({ code: this.#localClose[0], reason: this.#localClose[1] }, 'closed');
    this.#log = silent;
    // A socket that died before anyone subscribed reports it when reading would have started.
    if (this.#flowing || this.#emitter.listenerCount('close') > 0) this.#emitClose();
  };

  #emitClose(): void {
    if (this.#closeEmitted || !this.#localClose) return;
    this.#closeEmitted = true;
    this.#emitter.emit('close', this.#localClose[0], this.#localClose[1]);
  }

  #withinBudget(data: WebSocket.RawData): boolean {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    const budget = this.#budget as PeerRateBudget;
    const now = this.#clock.now();
    const verdict = budget.take(bytes, now);
    if (verdict === 'deliver') return true;
    if (verdict === 'disconnect') {
      const overMs = now - (budget.overSince(now) ?? now);
      this.#log.warn({ dropped: budget.dropped, overMs: wholeMs(overMs) }, 'peer over its rate limit: disconnecting');
      this.#droppedFor = 'rate-exceeded';
      this.close('rate-exceeded', `${budget.dropped} frames dropped over ${Math.round(overMs)} ms`);
      // A flooder that does not answer our close frame is not read for ws's 30 s: cut it off.
      this.#timers.timeout(() => this.terminate(), TRANSPORT_DEFAULTS.refusalGraceMs);
    } else if (budget.overSince(now) === now) {
      this.#log.debug({ dropped: budget.dropped }, 'peer over its rate limit: dropping frames');
    }
    return false;
  }

  #refuse(error: ProtocolError): void {
    this.#protocolErrors++;
    this.#log.debug({ err: error }, 'protocol error');
    this.#emitter.emit('protocol-error', error);
    this.close('protocol-error', error.message.replace(/^protocol error \(([^)]*)\): /, '$1 '));
  }

  #settleSend(pending: PendingSend, err: Error | undefined | null): void {
    if (!this.#sends.take(pending)) return;
    if (err) pending.reject(this.#failure('send', err));
    else pending.resolve();
  }

  #failure(what: string, err: Error): Error {
    if (this.#state !== 'open') return new ConnectionClosedError(`connection closed during the ${what}`);
    return new SendError(this.remoteIp, `${what} to ${this.remoteIp}:${this.remotePort} failed: ${err.message}`, { cause: err });
  }
}
