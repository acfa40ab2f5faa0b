import type { TimerSet } from '../contract/clock.js';
import type { Connection, ConnectionEvent, ConnectionEvents, ConnectionListener } from '../contract/connection.js';
import { decodeMessage } from '../contract/codec.js';
import { ConnectionClosedError, PingTimeoutError } from '../contract/errors.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { DisconnectReason, PeerInfo } from '../contract/types.js';
import type { ManagerSide } from './modes.js';
import { addListener, emitTo, listenerCount, removeListener, type Listener, type ListenerSlot } from './listener-slot.js';

/** Which side's views reach the socket. One object shared by every link, so a flip is one assignment. */
export interface LiveSide {
  side: ManagerSide;
}

const RECENT_MUTED = 8;
/** What every muted send returns: one settled promise, not a new one each time. */
const RESOLVED: Promise<void> = Promise.resolve();
/** A broadcast send's failure handler where the pool counts none: the rejection is still handled. */
const IGNORE = (): void => undefined;
/** What 'seen' is emitted with. */
const NO_ARGS: readonly [] = [];

type MutedPingSettler = (ok: boolean, error?: Error) => void;

// A link's states, as bits of one field (three boolean fields were 16 B more per link).
/** It listens for 'message' and 'seen' on the real connection. */
const FLOWING = 1;
/** Disposed: its listeners are off the real connection. */
const CLOSED = 2;
/** The close reached the live view, the muted view hears of it when the pool delivers it. */
const MUTED_CLOSE_PENDING = 4;

/** What a view's `#closedBy` holds after terminate(), which gives no reason: no DisconnectReason can equal it. */
const TERMINATED: unique symbol = Symbol('terminated');

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
  // Two fields, not a { legacy, unified } record: the record was one more object per link (40 B).
  #legacy: ConnectionView;
  #unified: ConnectionView;
  /** FLOWING, CLOSED, MUTED_CLOSE_PENDING. */
  #state = 0;
  /** The real connection's close code and reason, once it has closed. */
  closeInfo: [code: number, reason: string] | undefined;
  /** The close reached the live view; the muted view hears of it when the pool delivers it (deferred). */
  get mutedClosePending(): boolean {
    return (this.#state & MUTED_CLOSE_PENDING) !== 0;
  }
  /** When a frame or pong last arrived, read before either manager heard of it. */
  seenAt: number | undefined;
  /** `seenAt` as the pool's last liveness pass found it: checked at the next pass, once settled. */
  evidenceAt: number | undefined;
  /** The real ping in flight, which muted pings settle with. */
  #realPing: Promise<number> | undefined;
  /**
   * Muted pings waiting for a frame or a real ping. Made by the first muted ping: most links never
   * have one, and an empty Set per link cost about 180 B (a heap snapshot at 20k peers).
   */
  #waiting: Set<MutedPingSettler> | undefined;
  // The link's listeners on the real connection: bound methods, not arrow functions in fields
  // (four arrows and the context they share cost 264 B per link; a bound function is 48 B).
  /**
   * One function for both frame events, 'seen' and 'message': 'seen' carries no argument and
   * 'message' always its message (ConnectionEvents), so the argument tells them apart. A bound
   * function each cost 48 B more per link.
   */
  readonly #onFrame: (message?: NetworkMessage) => void;
  readonly #onProtocolError: (error: ConnectionEvents['protocol-error'][0]) => void;
  readonly #onClose: (code: number, reason: string) => void;

  constructor(real: Connection, info: PeerInfo, key: string, options: ConnectionLinkOptions) {
    this.real = real;
    this.info = info;
    this.key = key;
    this.#opts = options;
    this.#legacy = new LegacyView(this, options.live);
    this.#unified = new UnifiedView(this, options.live);
    this.#onFrame = this.onFrame.bind(this);
    this.#onProtocolError = this.onProtocolError.bind(this);
    this.#onClose = this.onClose.bind(this);
    real.on('close', this.#onClose).on('protocol-error', this.#onProtocolError);
  }

  view(side: ManagerSide): ConnectionView {
    return side === 'legacy' ? this.#legacy : this.#unified;
  }

  /**
   * @internal See ConnectionLinkOptions.onBroadcastSendFailed: the pool's one function, not a
   * closure per link (56 B each).
   */
  get _broadcastSendFailed(): (err: unknown) => void {
    return this.#opts.onBroadcastSendFailed ?? IGNORE;
  }

  /** A new view for `side`, replacing one its manager closed: used to hand the link back to it. */
  freshView(side: ManagerSide): ConnectionView {
    if (side === 'legacy') return (this.#legacy = new LegacyView(this, this.#opts.live));
    return (this.#unified = new UnifiedView(this, this.#opts.live));
  }

  get liveSide(): ManagerSide {
    return this.#opts.live.side;
  }

  get closed(): boolean {
    return (this.#state & CLOSED) !== 0;
  }

  /** Whether `side`'s manager holds this link: its view has listeners and it has not closed it. */
  heldBy(side: ManagerSide): boolean {
    const view = this.view(side);
    return !view.closedByOwner && view.listenerCount('close') > 0;
  }

  /** Listeners this link put on the real connection. */
  get realListeners(): number {
    return this.closed ? 0 : this.#state & FLOWING ? 4 : 2;
  }

  /** Closes the real connection, whoever is live (an orphan nobody owns, or shutdown). */
  closeReal(reason: DisconnectReason, detail?: string): void {
    this.real.close(reason, detail);
  }

  /** Takes the link's listeners off the real connection and fails muted pings. Idempotent. */
  dispose(): void {
    this.real.off('close', this.#onClose).off('protocol-error', this.#onProtocolError);
    if (this.#state & FLOWING) this.real.off('message', this.#onFrame).off('seen', this.#onFrame);
    this.#state &= ~FLOWING;
    // The error only where a muted ping waits: made for every disposed link, it was a quarter of a
    // shadow reaper pass (an Error's stack capture, node --cpu-prof, 10k peers).
    if (this.#waiting !== undefined && this.#waiting.size > 0) this.settleWaiting(false, new ConnectionClosedError('connection closed before the pong'));
    this.#state |= CLOSED;
    // A manager may hold a view long after its close (legacy's L4): keep the counts, not the frames.
    this.#legacy._forgetFrames();
    this.#unified._forgetFrames();
  }

  /** @internal A view got a 'message' or 'seen' listener: start reading (the transport reads only then). */
  _subscribed(): void {
    if (this.#state & (FLOWING | CLOSED)) return;
    this.#state |= FLOWING;
    this.real.on('message', this.#onFrame).on('seen', this.#onFrame);
  }

  /** @internal */
  _realPing(): Promise<number> {
    const ping = this.real.ping();
    this.#realPing = ping;
    const settled = (ok: boolean, error?: Error): void => {
      if (this.#realPing === ping) this.#realPing = undefined;
      this.settleWaiting(ok, error);
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
    if (this.closed || !this.real.isOpen) return Promise.reject(new ConnectionClosedError());
    if (this.#realPing) return this.#realPing;
    const timers = this.#opts.timers;
    return new Promise<number>((resolve, reject) => {
      const timer = timers.timeout(() => {
        this.#waiting?.delete(settle);
        reject(new PingTimeoutError(this.#opts.mutedPingTimeoutMs));
      }, this.#opts.mutedPingTimeoutMs);
      const settle = (ok: boolean, error?: Error): void => {
        timers.clear(timer);
        if (ok) resolve(0);
        else reject(error ?? new ConnectionClosedError());
      };
      (this.#waiting ??= new Set()).add(settle);
    });
  }

  // The methods below are TypeScript-private, not #private: a class with #private methods gives
  // each instance a brand field (8 B per link, measured).
  private settleWaiting(ok: boolean, error?: Error): void {
    const set = this.#waiting;
    if (set === undefined || set.size === 0) return;
    // Dropped, not cleared: a link that had a muted ping once keeps no empty Set for good.
    this.#waiting = undefined;
    for (const settle of set) settle(ok, error);
  }

  private onFrame(message?: NetworkMessage): void {
    if (message === undefined) this.onSeen();
    else this.onMessage(message);
  }

  private onSeen(): void {
    this.seenAt = this.#opts.now?.();
    this.settleWaiting(true);
    this.#legacy._emit('seen');
    this.#unified._emit('seen');
  }

  private onMessage(message: NetworkMessage): void {
    this.#legacy._emit('message', message);
    this.#unified._emit('message', message);
  }

  private onProtocolError(error: ConnectionEvents['protocol-error'][0]): void {
    this.#legacy._emit('protocol-error', error);
    this.#unified._emit('protocol-error', error);
  }

  private onClose(code: number, reason: string): void {
    this.closeInfo = [code, reason];
    this.dispose();
    const live = this.view(this.liveSide);
    const muted = this.view(this.liveSide === 'legacy' ? 'unified' : 'legacy');
    live._emit('close', code, reason);
    this.#state |= MUTED_CLOSE_PENDING;
    const deliver = (): void => {
      this.#state &= ~MUTED_CLOSE_PENDING;
      muted._emit('close', code, reason);
      this.#opts.onClosed(this, code, reason);
    };
    if (this.#opts.deliverMuted) this.#opts.deliverMuted(deliver, this);
    else deliver();
  }
}

/**
 * A manager's handle on a link. Live: forwards to the real connection. Muted: records, and
 * transmits nothing. The view is a `Connection`, so neither manager knows the difference.
 */
export abstract class ConnectionView implements Connection {
  readonly #link: ConnectionLink;
  // The real connection and the live side, held here as well as on the link: a send reads them
  // without going through the link (at 10k peers each object a send touches is a cache miss).
  readonly #real: Connection;
  readonly #live: LiveSide;
  /** Its manager's side: on the prototype of each side's class, not a field (8 B per view). */
  abstract readonly side: ManagerSide;
  // Its listeners, one field per event (listener-slot.ts): an EventEmitter per view was ~350 B.
  #closeListeners: ListenerSlot;
  #messageListeners: ListenerSlot;
  #seenListeners: ListenerSlot;
  #protocolErrorListeners: ListenerSlot;
  /** Made on the first muted call: a view that stays live never needs one. */
  #muted: MutedRecord | undefined;
  /** Why its manager closed it, TERMINATED for terminate(); undefined while it has not (one field, not two: 8 B per view). */
  #closedBy: DisconnectReason | typeof TERMINATED | undefined;
  #closeDelivered = false;

  constructor(link: ConnectionLink, live: LiveSide) {
    this.#link = link;
    this.#real = link.real;
    this.#live = live;
  }

  /** Set when this view's manager closed it (live or muted). */
  get closedByOwner(): boolean {
    return this.#closedBy !== undefined;
  }

  /** Why its manager closed it (terminate: undefined). */
  get closeReason(): DisconnectReason | undefined {
    const by = this.#closedBy;
    return by === TERMINATED ? undefined : by;
  }

  // TypeScript-private, not #private: see ConnectionLink.settleWaiting.
  private slot(event: ConnectionEvent): ListenerSlot {
    switch (event) {
      case 'close':
        return this.#closeListeners;
      case 'message':
        return this.#messageListeners;
      case 'seen':
        return this.#seenListeners;
      case 'protocol-error':
        return this.#protocolErrorListeners;
    }
  }

  private setSlot(event: ConnectionEvent, slot: ListenerSlot): void {
    switch (event) {
      case 'close':
        this.#closeListeners = slot;
        return;
      case 'message':
        this.#messageListeners = slot;
        return;
      case 'seen':
        this.#seenListeners = slot;
        return;
      case 'protocol-error':
        this.#protocolErrorListeners = slot;
        return;
    }
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
    this.#closedBy = reason;
    if (this.isLive) {
      this.#real.close(reason, detail);
      return;
    }
    this.muted.closes++;
    this.muted.lastClose = reason;
  }

  terminate(): void {
    if (this.closedByOwner) return;
    this.#closedBy = TERMINATED;
    if (this.isLive) this.#real.terminate();
    else this.muted.closes++;
  }

  on<E extends ConnectionEvent>(event: E, listener: ConnectionListener<E>): this {
    this.setSlot(event, addListener(this.slot(event), listener as Listener));
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
    this.setSlot(event, removeListener(this.slot(event), listener as Listener));
    return this;
  }

  listenerCount(event: ConnectionEvent): number {
    return listenerCount(this.slot(event));
  }

  /** @internal */
  _emit<E extends ConnectionEvent>(event: E, ...args: ConnectionEvents[E]): void {
    if (event === 'close') {
      if (this.#closeDelivered) return;
      if (this.#closeListeners === undefined) return;
      this.#closeDelivered = true;
    }
    emitTo(this.slot(event), this, event === 'seen' ? NO_ARGS : args);
  }
}

/** The legacy manager's view. */
class LegacyView extends ConnectionView {
  get side(): 'legacy' {
    return 'legacy';
  }
}

/** The unified manager's view. */
class UnifiedView extends ConnectionView {
  get side(): 'unified' {
    return 'unified';
  }
}
