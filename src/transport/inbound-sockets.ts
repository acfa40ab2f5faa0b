import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../contract/clock.js';

/** Why a TCP socket was destroyed before its upgrade. */
export type SocketDropCause = 'socket-cap' | 'socket-cap-ip' | 'upgrade-timeout';

export interface InboundSocketsOptions {
  readonly clock: Clock;
  /** Sockets open at once, in any state (before the upgrade, handshaking, established, closing). */
  readonly maxSockets: number;
  /** Sockets from one IP not upgraded yet. */
  readonly maxPreUpgradePerIp: number;
  /** From accept to upgrade; a socket not upgraded by then is destroyed. */
  readonly upgradeTimeoutMs: number;
  /** Told of every socket destroyed by a cap or the deadline. */
  readonly onDrop: (ip: string, cause: SocketDropCause) => void;
}

interface Entry {
  readonly ip: string;
  /** Set while the socket has not upgraded: its deadline. */
  deadline: TimerHandle | undefined;
  readonly onClose: () => void;
}

/**
 * The listener's TCP sockets, counted from the server's 'connection' event (before any HTTP
 * parsing) until they close: a socket past a cap is destroyed at once, and one that has not
 * completed its upgrade within the deadline is destroyed then. Slow request headers would
 * otherwise hold a descriptor for Node's 60 s header timeout, and the caps after the upgrade
 * (per-IP rate, pending handshakes) never see them. Upgraded sockets still count towards
 * `maxSockets` until they close: that cap is the listener's share of the descriptors.
 */
export class InboundSockets {
  readonly #options: InboundSocketsOptions;
  readonly #entries = new Map<Socket, Entry>();
  readonly #preUpgradePerIp = new Map<string, number>();
  #preUpgrade = 0;
  #closed = false;

  constructor(options: InboundSocketsOptions) {
    this.#options = options;
  }

  /** Sockets open, in any state. */
  get size(): number {
    return this.#entries.size;
  }

  /** Sockets open that have not upgraded yet. */
  get preUpgrade(): number {
    return this.#preUpgrade;
  }

  /**
   * At the server's 'connection': counts the socket and starts its deadline, or destroys it.
   * `perIpCap` false (an allow-listed IP) spares it the per-IP cap, never the total.
   */
  admit(socket: Socket, ip: string, perIpCap = true): boolean {
    const o = this.#options;
    let cause: SocketDropCause | undefined;
    if (this.#closed || this.#entries.size >= o.maxSockets) cause = 'socket-cap';
    else if (perIpCap && (this.#preUpgradePerIp.get(ip) ?? 0) >= o.maxPreUpgradePerIp) cause = 'socket-cap-ip';
    if (cause !== undefined) {
      socket.destroy();
      if (!this.#closed) o.onDrop(ip, cause);
      return false;
    }
    const entry: Entry = {
      ip,
      deadline: o.clock.setTimeout(() => this.#expire(socket), o.upgradeTimeoutMs),
      onClose: () => this.#forget(socket),
    };
    this.#entries.set(socket, entry);
    this.#bump(ip, 1);
    socket.once('close', entry.onClose);
    return true;
  }

  /** At the server's 'upgrade': the deadline is off and the socket leaves its IP's pre-upgrade count. */
  upgraded(socket: Socket): void {
    const entry = this.#entries.get(socket);
    if (!entry || entry.deadline === undefined) return;
    this.#options.clock.clearTimeout(entry.deadline);
    entry.deadline = undefined;
    this.#bump(entry.ip, -1);
  }

  /**
   * Destroys every socket not upgraded yet and clears every deadline; upgraded sockets (handed
   * out, or the handshake's) stay open and are no longer watched.
   */
  close(): void {
    this.#closed = true;
    for (const [socket, entry] of [...this.#entries]) {
      const pending = entry.deadline !== undefined;
      this.#forget(socket);
      if (pending) socket.destroy();
    }
  }

  #expire(socket: Socket): void {
    const entry = this.#entries.get(socket);
    if (!entry || entry.deadline === undefined) return;
    entry.deadline = undefined;
    this.#bump(entry.ip, -1);
    socket.destroy();
    this.#options.onDrop(entry.ip, 'upgrade-timeout');
  }

  #forget(socket: Socket): void {
    const entry = this.#entries.get(socket);
    if (!entry) return;
    this.#entries.delete(socket);
    socket.off('close', entry.onClose);
    if (entry.deadline !== undefined) {
      this.#options.clock.clearTimeout(entry.deadline);
      this.#bump(entry.ip, -1);
    }
  }

  #bump(ip: string, by: number): void {
    this.#preUpgrade += by;
    const n = (this.#preUpgradePerIp.get(ip) ?? 0) + by;
    if (n > 0) this.#preUpgradePerIp.set(ip, n);
    else this.#preUpgradePerIp.delete(ip);
  }
}
