import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { normalizeIp } from '../contract/address.js';
import { systemClock, type Clock } from '../contract/clock.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_BYTES } from '../contract/codec.js';
import type { NodeIdentity } from '../contract/connection.js';
import { HandshakeError, type HandshakeFault } from '../contract/errors.js';
import { ClosingSockets } from './closing-sockets.js';
import { frameLimitSettable } from './frame-limit.js';
import { InboundSockets, type SocketDropCause } from './inbound-sockets.js';
import { acceptHandshake, refuseWith } from './handshake.js';
import { PendingHandshakes } from './pending-handshakes.js';
import { IpFilter } from '../limits/ip-filter.js';
import { LIMIT_DEFAULTS } from '../limits/limit-defaults.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { PeerConnection, type PeerConnectionOptions } from './peer-connection.js';
import { resolvePeerRateLimit } from '../limits/peer-rate-limit.js';
import type { DisconnectReason, PeerAddress, PeerInfo } from '../contract/types.js';
import { TRANSPORT_DEFAULTS } from './transport-defaults.js';

export interface PeerListenerOptions {
  readonly host: string;
  /** 0 picks an ephemeral port; `listen()` resolves with the one bound. */
  readonly port: number;
  /** listenPort 0 announces the port bound, so an ephemeral listener tells peers where to dial back. */
  readonly identity: NodeIdentity;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly handshakeTimeoutMs?: number;
  /** From the TCP accept to the WebSocket upgrade; a socket not upgraded by then is destroyed. Default 5 s. */
  readonly upgradeTimeoutMs?: number;
  /** A refused socket whose peer has not answered our close frame by then is terminated. Default 1 s. */
  readonly refusalGraceMs?: number;
  readonly connection?: PeerConnectionOptions;
  /** false: never answer pings (a test's way to play a frozen peer). Default true. */
  readonly autoPong?: boolean;
  /** Who gets as far as a handshake. The limits are on by default (LIMIT_DEFAULTS). */
  readonly admission?: ListenerAdmission;
}

export interface ListenerAdmission {
  /**
   * TCP sockets open at once, before and after the upgrade; past it a new socket is destroyed as
   * it is accepted (`socket-cap`), before a byte is read. Allow-listed IPs count too.
   */
  readonly maxInboundSockets?: number;
  /** TCP sockets from one IP not upgraded yet; past it a new one is destroyed as it is accepted (`socket-cap-ip`). */
  readonly maxPreUpgradeSocketsPerIp?: number;
  /** Deny (refused `banned`) and allow (pass the limits) lists by CIDR. */
  readonly ipFilter?: IpFilter;
  /** New sockets accepted per IP per second; past it refused `too-many-peers`. */
  readonly connectionsPerIpPerSecond?: number;
  /** Handshakes in progress at once; past it new sockets are refused `too-many-peers` (`handshake-cap`). */
  readonly maxPendingHandshakes?: number;
  /** Handshakes in progress at once from one IP; past it refused `too-many-peers` (`handshake-cap-ip`). */
  readonly maxPendingHandshakesPerIp?: number;
  /** ... from one IPv4 /24 or IPv6 /64; past it refused `too-many-peers` (`handshake-cap-subnet`). */
  readonly maxPendingHandshakesPerSubnet?: number;
  /** Asked after a valid Hello, before ours: the pool's own limits (see UnifiedPeerManager.admitInbound). */
  readonly admit?: (info: PeerInfo) => DisconnectReason | undefined;
}

/** Why a socket was refused: a handshake fault, or one of the listener's own limits. */
export type RefusalCause = HandshakeFault | 'denied' | 'rate-limited' | 'handshake-cap' | 'handshake-cap-ip' | 'handshake-cap-subnet' | SocketDropCause;

export interface RefusedPeer {
  readonly remoteIp: string;
  readonly fault: HandshakeFault;
  readonly detail: string;
  /** The cause, counted in refusals(). */
  readonly cause?: RefusalCause;
  /** The disconnect reason sent as the close code, where it was one (`banned`, `too-many-peers`, ...). */
  readonly reason?: DisconnectReason;
}

/** The listener's TCP sockets: all open (its share of the descriptors), and those not upgraded yet. */
export interface PeerListenerSockets {
  readonly open: number;
  readonly preUpgrade: number;
}

export interface PeerListenerEvents {
  peer: [connection: PeerConnection, info: PeerInfo];
  refused: [refused: RefusedPeer];
}

export interface PeerListenerStats {
  readonly accepted: number;
  readonly refused: number;
  readonly pendingHandshakes: number;
}

const silent = pino({ level: 'silent' });

/**
 * Accepts inbound peers: a WebSocket server that hands out a PeerConnection once the peer has
 * said a Hello we accept. What happens to the connection after that is the manager's business.
 */
export class PeerListener extends EventEmitter<PeerListenerEvents> {
  readonly #options: PeerListenerOptions;
  readonly #log: Logger;
  readonly #pending = new PendingHandshakes();
  readonly #closing: ClosingSockets;
  readonly #inbound: InboundSockets;
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  #identity: NodeIdentity;
  readonly #ipFilter: IpFilter;
  readonly #rate: RateLimiter;
  readonly #maxPending: number;
  readonly #maxPendingPerIp: number;
  readonly #maxPendingPerSubnet: number;
  readonly #refusedBy: Partial<Record<RefusalCause, number>> = {};
  #accepted = 0;
  #refused = 0;
  #closed = false;

  constructor(options: PeerListenerOptions) {
    super();
    this.#options = options;
    this.#identity = options.identity;
    this.#log = (options.logger ?? silent).child({ component: 'peer-listener' });
    // Checked here, as the dialer does: a bad rate limit would otherwise make every inbound
    // connection throw as it is made, and each peer be refused with nothing said.
    if (options.connection?.rateLimit) resolvePeerRateLimit(options.connection.rateLimit, 'connection.rateLimit');
    this.#closing = new ClosingSockets(options.clock ?? systemClock, options.refusalGraceMs ?? TRANSPORT_DEFAULTS.refusalGraceMs);
    const admission = options.admission ?? {};
    this.#ipFilter = admission.ipFilter ?? new IpFilter();
    this.#inbound = new InboundSockets({
      clock: options.clock ?? systemClock,
      maxSockets: admission.maxInboundSockets ?? LIMIT_DEFAULTS.maxInboundSockets,
      maxPreUpgradePerIp: admission.maxPreUpgradeSocketsPerIp ?? LIMIT_DEFAULTS.maxPreUpgradeSocketsPerIp,
      upgradeTimeoutMs: options.upgradeTimeoutMs ?? LIMIT_DEFAULTS.upgradeTimeoutMs,
      onDrop: (remoteIp, cause) => {
        // Debug only: under a flood this is one line per socket. refusals() counts them.
        this.#count(cause);
        this.#log.debug({ remoteIp, cause }, 'socket destroyed before the upgrade');
      },
    });
    this.#rate = new RateLimiter({
      clock: options.clock ?? systemClock,
      perSecond: admission.connectionsPerIpPerSecond ?? LIMIT_DEFAULTS.connectionsPerIpPerSecond,
    });
    this.#maxPending = admission.maxPendingHandshakes ?? LIMIT_DEFAULTS.maxPendingHandshakes;
    this.#maxPendingPerIp = admission.maxPendingHandshakesPerIp ?? LIMIT_DEFAULTS.maxPendingHandshakesPerIp;
    this.#maxPendingPerSubnet = admission.maxPendingHandshakesPerSubnet ?? LIMIT_DEFAULTS.maxPendingHandshakesPerSubnet;
  }

  /** Binds and starts accepting. */
  listen(): Promise<PeerAddress> {
    if (this.#http) return Promise.reject(new Error('PeerListener.listen() called twice'));
    // Without it every frame before the Hello could be as large as a message (see frame-limit.ts).
    if (!frameLimitSettable()) return Promise.reject(new Error('this version of ws no longer keeps a socket\'s maxPayload where frame-limit.ts sets it'));
    const { host, port } = this.#options;
    // Our own HTTP server, not ws's: closing ws's would wait for every handed-out connection.
    const http = createServer((_req, res) => res.writeHead(426, { connection: 'close' }).end());
    const wss = new WebSocketServer({
      server: http,
      perMessageDeflate: false,
      // Until the Hello: a larger frame is refused 1009 from its header. Raised to MAX_FRAME_BYTES by the handshake.
      maxPayload: MAX_HANDSHAKE_BYTES,
      clientTracking: false,
      autoPong: this.#options.autoPong ?? true,
    });
    this.#http = http;
    this.#wss = wss;
    // Counted before any HTTP parsing: http's own 'connection' listener only attaches the parser,
    // which reads nothing before this tick ends, so a socket destroyed here has cost no parsing.
    http.on('connection', (socket: Socket) => this.#onSocket(socket));
    http.on('upgrade', (_req: IncomingMessage, socket: Socket) => this.#inbound.upgraded(socket));
    wss.on('connection', (ws, request) => void this.#onConnection(ws, request));
    // ws re-emits the HTTP server's errors: one failing the bind (EADDRINUSE) is listen()'s
    // rejection, told once by the caller; errors after binding (EMFILE on accept) are logged, never thrown.
    const duringBind = (): void => undefined;
    wss.on('error', duringBind);
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        wss.close();
        this.#http = undefined;
        reject(err);
      };
      http.once('error', onError);
      http.listen(port, host, () => {
        http.off('error', onError);
        wss.off('error', duringBind).on('error', (err) => this.#log.warn({ err }, 'server error'));
        http.on('error', (err) => this.#log.warn({ err }, 'server error'));
        const bound = this.address();
        const { identity } = this.#options;
        this.#identity = identity.listenPort === 0 ? { ...identity, listenPort: bound.port } : identity;
        resolve(bound);
      });
    });
  }

  /** The bound address; throws before `listen()` has resolved. */
  address(): PeerAddress {
    const bound = this.#http?.address() as AddressInfo | null | undefined;
    if (!bound || typeof bound !== 'object') throw new Error('PeerListener is not listening');
    return { host: bound.address, port: bound.port };
  }

  stats(): PeerListenerStats {
    return { accepted: this.#accepted, refused: this.#refused, pendingHandshakes: this.#pending.size };
  }

  /** TCP sockets open (any state) and those not upgraded yet. */
  sockets(): PeerListenerSockets {
    return { open: this.#inbound.size, preUpgrade: this.#inbound.preUpgrade };
  }

  /** Sockets refused and sent their close frame whose peer has not completed the close yet. */
  get closingSockets(): number {
    return this.#closing.size;
  }

  /** Refusals by cause (their sum is stats().refused). */
  refusals(): Partial<Record<RefusalCause, number>> {
    return { ...this.#refusedBy };
  }

  /**
   * Stops accepting, destroys sockets not upgraded yet, drops handshakes in progress and
   * terminates refused sockets still closing; connections already handed out stay open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbound.close();
    for (const abort of this.#pending.clear()) abort.abort();
    this.#closing.close();
    this.#wss?.close();
    // The listening socket closes now; net.Server's callback would wait for the upgraded sockets.
    this.#http?.close();
    this.#http?.closeIdleConnections();
  }

  /** A TCP socket accepted: within the caps it is counted until it closes, else destroyed now. */
  #onSocket(socket: Socket): void {
    const remoteIp = normalizeIp(socket.remoteAddress);
    this.#inbound.admit(socket, remoteIp, this.#ipFilter.verdict(remoteIp) !== 'allowed');
  }

  async #onConnection(ws: WebSocket, request: IncomingMessage): Promise<void> {
    const remoteIp = normalizeIp(request.socket.remoteAddress);
    const remotePort = request.socket.remotePort ?? 0;
    if (this.#closed) {
      ws.terminate();
      return;
    }
    if (this.#admitSocket(ws, remoteIp) === false) return;
    const abort = new AbortController();
    this.#pending.add(ws, remoteIp, abort);
    try {
      const { info, early } = await acceptHandshake(ws, request.socket.remoteAddress, {
        identity: this.#identity,
        clock: this.#options.clock ?? systemClock,
        timeoutMs: this.#options.handshakeTimeoutMs ?? TRANSPORT_DEFAULTS.handshakeTimeoutMs,
        frameLimitAfterHello: MAX_FRAME_BYTES,
        signal: abort.signal,
        ...(this.#options.admission?.admit ? { admit: this.#options.admission.admit } : {}),
      });
      if (!this.#pending.delete(ws)) {
        // close() came while the Hello was in flight.
        early.detach();
        ws.on('error', () => undefined);
        ws.terminate();
        return;
      }
      const connection = new PeerConnection(ws, { ip: info.ip, port: remotePort, early }, {
        clock: this.#options.clock,
        logger: this.#options.logger,
        ...this.#options.connection,
      });
      this.#accepted++;
      this.#log.debug({ peer: info }, 'peer accepted');
      this.emit('peer', connection, info);
    } catch (err) {
      const wasPending = this.#pending.delete(ws);
      if (!(err instanceof HandshakeError) || !wasPending) return;
      // Refused or timed out: the close frame is sent; the socket must not linger past the grace.
      this.#closing.add(ws);
      const detail = err.message;
      const reason = err.fault === 'refused' ? (err.message.replace(/^.*\(refused\): /, '') as DisconnectReason) : undefined;
      this.#count(err.fault);
      this.#log.info({ remoteIp, fault: err.fault, detail }, 'handshake refused');
      this.emit('refused', { remoteIp, fault: err.fault, detail, cause: err.fault, ...(reason ? { reason } : {}) });
    }
  }

  /**
   * The checks made before a handshake is even started: deny list, then (unless allowed) the
   * caps on handshakes in progress (in all, from this IP, from its subnet) and the per-IP rate,
   * which a refusal by a cap does not spend. False: refused, the socket closed with the reason.
   */
  #admitSocket(ws: WebSocket, remoteIp: string): boolean {
    const verdict = this.#ipFilter.verdict(remoteIp);
    let cause: RefusalCause | undefined;
    let reason: DisconnectReason = 'too-many-peers';
    if (verdict === 'denied') {
      cause = 'denied';
      reason = 'banned';
    } else if (verdict !== 'allowed') {
      const from = this.#pending.countFor(remoteIp);
      if (this.#pending.size >= this.#maxPending) cause = 'handshake-cap';
      else if (from.ip >= this.#maxPendingPerIp) cause = 'handshake-cap-ip';
      else if (from.subnet >= this.#maxPendingPerSubnet) cause = 'handshake-cap-subnet';
      else if (!this.#rate.take(remoteIp)) cause = 'rate-limited';
    }
    if (cause === undefined) return true;
    this.#count(cause);
    refuseWith(ws, reason, cause);
    this.#closing.add(ws);
    this.#log.info({ remoteIp, cause, reason }, 'connection refused');
    this.emit('refused', { remoteIp, fault: 'refused', detail: `${reason}: ${cause}`, cause, reason });
    return false;
  }

  #count(cause: RefusalCause): void {
    this.#refused++;
    this.#refusedBy[cause] = (this.#refusedBy[cause] ?? 0) + 1;
  }
}
