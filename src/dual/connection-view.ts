import { EventEmitter } from 'node:events';
import type { TimerSet } from '../contract/clock.js';
import type { Connection, ConnectionEvent, ConnectionEvents, ConnectionListener } from '../contract/connection.js';
import { decodeMessage } from '../contract/codec.js';
import { ConnectionClosedError, PingTimeoutError } from '../contract/errors.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { DisconnectReason, PeerInfo } from '../contract/types.js';
import type { ManagerSide } from './modes.js';


/** Which side's views reach the socket. One object shared by every link, so a flip is one assignment. */
export interface LiveSide {
  side: ManagerSide;
}

const RECENT_MUTED = 8;
/** What every muted send returns: one settled promise, not a new one each time. */
const RESOLVED: Promise<void> = Promise.resolve();

/** What a muted view did instead of touching the socket. */
export class MutedRecord {
  sends = 0;
  pings = 0;
  closes = 0;
  lastClose: DisconnectReason | undefined;
  /** A ring: no shifting on every muted send. */
  readonly #ring: (NetworkMessage | string)[] = [];
  #oldest = 0;

  /** The last few messages a muted send recorded (bounded), oldest first; a broadcast's as its encoded frame. */
  get recent(): (NetworkMessage | string)[] {
    return [...this.#ring.slice(this.#oldest), ...this.#ring.slice(0, this.#oldest)];
  }

  /** @internal The frames go, the counts stay. */
  _forgetFrames(): void {
    this.#ring.length = 0;
    this.#oldest = 0;
  }

  /** @internal */
  _sent(message: NetworkMessage | string): void {
    this.sends++;
    if (this.#ring.length < RECENT_MUTED) this.#ring.push(message);
    else {
      this.#ring[this.#oldest] = message;
      this.#oldest = (this.#oldest + 1) % RECENT_MUTED;
    }
  }
}

export interface ConnectionLinkOptions {
  readonly live: LiveSide;
  /** Where a muted ping's timeout is kept, so the pool's close() clears it. */
  readonly timers: TimerSet;
  /** A muted ping with no real ping or frame to settle it fails after this long. */
  readonly mutedPingTimeoutMs: number;
  /**
   * Runs the delivery of 'close' to the muted view: the pool defers it while one of its writes is
   * in flight, so that its own sequencing (authoritative closes, then the mirror removes) cannot
   * interleave a close handler with the mirror's write (with a legacy mirror, that is L6).
   */
  readonly deliverMuted?: (deliver: () => void, link: ConnectionLink) => void;
  /** Called once, when the real connection has closed and both views have heard of it. */
  readonly onClosed: (link: ConnectionLink, code: number, reason: string) => void;
  /** The pool's clock, read when a frame or pong arrives (the evidence both managers' lastSeen must honour). */
  readonly now?: () => number;
  /**
   * A live send of an encoded frame (a broadcast's) failed on the wire: what the pool holds the
   * authoritative manager's BroadcastResult to. Backpressure refusals are skips, not failures.
   */
  readonly onBroadcastSendFailed?: (err: unknown) => void;
}

/**
 * One real connection shared by the two managers of a dual-mode pool. Each manager holds its own
 * `ConnectionView`; the view of the live side transmits, the other is muted (its sends, pings and
 * closes are recorded, never transmitted). The real connection's events (frames seen, messages,
 * close, protocol errors) reach both views, so both managers observe the same liveness. Which
 * side is live is read from a shared `LiveSide` at each call: switching modes never touches the
 * socket.
 */
export class ConnectionLink {
  readonly real: Connection;
  /** The peer's info from the handshake, kept to hydrate a manager that does not hold the link. */
  readonly info: PeerInfo;
  readonly key: string;
  readonly #opts: ConnectionLinkOptions;
  readonly #views: Record<ManagerSide, ConnectionView>;
  #flowing = false;
  #closed = false;
  /** The real connection's close code and reason, once it has closed. */
  closeInfo: [code: number, reason: string] | undefined;
  /** The close reached the live view; the muted view hears of it when the pool delivers it (deferred). */
  mutedClosePending = false;
  /** When a frame or pong last arrived, read before either manager heard of it. */
  seenAt: number | undefined;
  /** `seenAt` as the pool's last liveness pass found it: checked at the next pass, once settled. */
  evidenceAt: number | undefined;
  /** The real ping in flight, which muted pings settle with. */
  #realPing: Promise<number> | undefined;
  /** Muted pings waiting for a frame or a real ping. */
  readonly #waiting = new Set<(ok: boolean, error?: Error) => void>();

  constructor(real: Connection, info: PeerInfo, key: string, options: ConnectionLinkOptions) {
    this.real = real;
    this.info = info;
    this.key = key;
    this.#opts = options;
    this.#views = { legacy: new ConnectionView(this, 'legacy', options.live), unified: new ConnectionView(this, 'unified', options.live) };
    real.on('close', this.#onClose).on('protocol-error', this.#onProtocolError);
  }

  view(side: ManagerSide): ConnectionView {
    return this.#views[side];
  }

  /** @internal See ConnectionLinkOptions.onBroadcastSendFailed. */
  readonly _broadcastSendFailed = (err: unknown): void => this.#opts.onBroadcastSendFailed?.(err);

  /** A new view for `side`, replacing one its manager closed: used to hand the link back to it. */
  freshView(side: ManagerSide): ConnectionView {
    this.#views[side] = new ConnectionView(this, side, this.#opts.live);
    return this.#views[side];
  }

  get liveSide(): ManagerSide {
    return this.#opts.live.side;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether `side`'s manager holds this link: its view has listeners and it has not closed it. */
  heldBy(side: ManagerSide): boolean {
    const view = this.#views[side];
    return !view.closedByOwner && view.listenerCount('close') > 0;
  }

  /** Listeners this link put on the real connection. */
  get realListeners(): number {
    return this.#closed ? 0 : this.#flowing ? 4 : 2;
  }

  /** Closes the real connection, whoever is live (an orphan nobody owns, or shutdown). */
  closeReal(reason: DisconnectReason, detail?: string): void {
    this.real.close(reason, detail);
  }

  /** Takes the link's listeners off the real connection and fails muted pings. Idempotent. */
  dispose(): void {
    this.real.off('close', this.#onClose).off('protocol-error', this.#onProtocolError);
    if (this.#flowing) this.real.off('message', this.#onMessage).off('seen', this.#onSeen);
    this.#flowing = false;
    this.#settleWaiting(false, new ConnectionClosedError('connection closed before the pong'));
    this.#closed = true;
    // A manager may hold a view long after its close (legacy's L4): keep the counts, not the frames.
    this.#views.legacy._forgetFrames();
    this.#views.unified._forgetFrames();
  }

  /** @internal A view got a 'message' or 'seen' listener: start reading (the transport reads only then). */
  _subscribed(): void {
    if (this.#flowing || this.#closed) return;
    this.#flowing = true;
    this.real.on('message', this.#onMessage).on('seen', this.#onSeen);
  }

  /** @internal */
  _realPing(): Promise<number> {
    const ping = this.real.ping();
    this.#realPing = ping;
    const settled = (ok: boolean, error?: Error): void => {
      if (this.#realPing === ping) this.#realPing = undefined;
      this.#settleWaiting(ok, error);
    };
    ping.then(
      () => settled(true),
      (err: unknown) => settled(false, err as Error),
    );
    return ping;
  }

  /**
   * @internal A muted ping: settles with the live side's real ping if one is in flight, otherwise
   * resolves on the next frame seen from the peer (liveness observed), and fails on close or
   * after the timeout.
   */
  _mutedPing(): Promise<number> {
    if (this.#closed || !this.real.isOpen) return Promise.reject(new ConnectionClosedError());
    if (this.#realPing) return this.#realPing;
    const timers = this.#opts.timers;
    return new Promise<number>((resolve, reject) => {
      const timer = timers.timeout(() => {
        this.#waiting.delete(settle);
        reject(new PingTimeoutError(this.#opts.mutedPingTimeoutMs));
      }, this.#opts.mutedPingTimeoutMs);
      const settle = (ok: boolean, error?: Error): void => {
        timers.clear(timer);
        if (ok) resolve(0);
        else reject(error ?? new ConnectionClosedError());
      };
      this.#waiting.add(settle);
    });
  }

  #settleWaiting(ok: boolean, error?: Error): void {
    if (this.#waiting.size === 0) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const settle of waiting) settle(ok, error);
  }

  readonly #onSeen = (): void => {
    this.seenAt = this.#opts.now?.();
    this.#settleWaiting(true);
    this.#views.legacy._emit('seen');
    this.#views.unified._emit('seen');
  };

  readonly #onMessage = (message: NetworkMessage): void => {
    this.#views.legacy._emit('message', message);
    this.#views.unified._emit('message', message);
  };

  readonly #onProtocolError = (error: ConnectionEvents['protocol-error'][0]): void => {
    this.#views.legacy._emit('protocol-error', error);
    this.#views.unified._emit('protocol-error', error);
  };

  readonly #onClose = (code: number, reason: string): void => {
    this.closeInfo = [code, reason];
    this.dispose();
    const live = this.#views[this.liveSide];
    const muted = this.#views[this.liveSide === 'legacy' ? 'unified' : 'legacy'];
    live._emit('close', code, reason);
    this.mutedClosePending = true;
    const deliver = (): void => {
      this.mutedClosePending = false;
      muted._emit('close', code, reason);
      this.#opts.onClosed(this, code, reason);
    };
    if (this.#opts.deliverMuted) this.#opts.deliverMuted(deliver, this);
    else deliver();
  };
}

/**
 * A manager's handle on a link. Live: forwards to the real connection. Muted: records, and
 * transmits nothing. The view is a `Connection`, so neither manager knows the difference.
 */
export class ConnectionView implements Connection {
  readonly #link: ConnectionLink;
  // The real connection and the live side, held here as well as on the link: a send reads them
  // without going through the link (at 10k peers each object a send touches is a cache miss).
  readonly #real: Connection;
  readonly #live: LiveSide;
  readonly side: ManagerSide;
  readonly #emitter = new EventEmitter();
  /** Made on the first muted call: a view that stays live never needs one. */
  #muted: MutedRecord | undefined;
  /** Set when this view's manager closed it (live or muted). */
  closedByOwner = false;
  /** Why its manager closed it (terminate: undefined). */
  closeReason: DisconnectReason | undefined;
  #closeDelivered = false;

  constructor(link: ConnectionLink, side: ManagerSide, live: LiveSide) {
    this.#link = link;
    this.#real = link.real;
    this.#live = live;
    this.side = side;
  }

  get link(): ConnectionLink {
    return this.#link;
  }

  /** What this view did while muted. */
  get muted(): MutedRecord {
    return (this.#muted ??= new MutedRecord());
  }

  /** @internal The recorded frames go (a disposed link), the counts stay. */
  _forgetFrames(): void {
    this.#muted?._forgetFrames();
  }

  get isLive(): boolean {
    return this.#live.side === this.side;
  }

  get id(): number {
    return this.#real.id;
  }

  get remoteIp(): string {
    return this.#real.remoteIp;
  }

  get remotePort(): number {
    return this.#real.remotePort;
  }

  get openedAt(): number {
    return this.#real.openedAt;
  }

  get isOpen(): boolean {
    if (this.closedByOwner) return false;
    // A muted view is open until its manager hears of the close: the authoritative side's writes
    // ran while it was open, and the mirror, asked after them, must see what they saw.
    return this.isLive ? this.#real.isOpen : !this.#closeDelivered;
  }

  get bufferedAmount(): number {
    return this.isLive ? this.#real.bufferedAmount : 0;
  }

  /** The real connection's own decision, whichever side is live: both managers report the same reason. */
  get droppedFor(): DisconnectReason | undefined {
    return this.#real.droppedFor;
  }

  send(message: NetworkMessage): Promise<void> {
    if (this.isLive) return this.#real.send(message);
    if (!this.isOpen) return Promise.reject(new ConnectionClosedError());
    this.muted._sent(message);
    return RESOLVED;
  }

  /** A frame encoded once for many peers (a broadcast): muted, it is recorded as it is, not decoded. */
  sendEncoded(data: string): Promise<void> {
    if (this.isLive) {
      const real = this.#real;
      const sending = real.sendEncoded ? real.sendEncoded(data) : real.send(decodeMessage(data, false));
      // One handler per broadcast peer (sendEncoded carries broadcasts only): the wire's own count of failures.
      sending.then(undefined, this.#link._broadcastSendFailed);
      return sending;
    }
    if (!this.isOpen) return Promise.reject(new ConnectionClosedError());
    this.muted._sent(data);
    return RESOLVED;
  }

  ping(): Promise<number> {
    if (this.isLive) return this.#link._realPing();
    if (this.closedByOwner) return Promise.reject(new ConnectionClosedError());
    this.muted.pings++;
    return this.#link._mutedPing();
  }

  close(reason: DisconnectReason, detail?: string): void {
    if (this.closedByOwner) return;
    this.closedByOwner = true;
    this.closeReason = reason;
    if (this.isLive) {
      this.#real.close(reason, detail);
      return;
    }
    this.muted.closes++;
    this.muted.lastClose = reason;
  }

  terminate(): void {
    if (this.closedByOwner) return;
    this.closedByOwner = true;
    if (this.isLive) this.#real.terminate();
    else this.muted.closes++;
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    if (event === 'message' || event === 'seen') this.#link._subscribed();
    // As the transport does: a connection that closed before its manager subscribed still reports it.
    // Not a muted view whose close the pool holds back: it hears of it in the key's order, after
    // the mirrored writes the authoritative side made before the close (a mirror behind was given
    // a connection already closed, heard the close at once and reported 'closed-by-peer' where the
    // authoritative side had removed it: a 30 s soak's false alarm, one run in about five).
    if (event === 'close' && this.#link.closeInfo && !this.#closeDelivered && !(this.#link.mutedClosePending && !this.isLive)) {
      const [code, reason] = this.#link.closeInfo;
      queueMicrotask(() => {
        if (!this.#closeDelivered) this._emit('close', code, reason);
      });
    }
    return this;
  }

  off<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return this.#emitter.listenerCount(event);
  }

  /** @internal */
  _emit<E extends ConnectionEvent>(event: E, ...args: ConnectionEvents[E]): void {
    if (event === 'close') {
      if (this.#closeDelivered) return;
      if (this.#emitter.listenerCount('close') === 0) return;
      this.#closeDelivered = true;
    }
    this.#emitter.emit(event, ...args);
  }
}
