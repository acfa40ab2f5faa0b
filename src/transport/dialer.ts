import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { formatAddress, parseAddress } from '../contract/address.js';
import { systemClock, type Clock } from '../contract/clock.js';
import { MAX_FRAME_BYTES } from '../contract/codec.js';
import type { DialResult, NodeIdentity } from '../contract/connection.js';
import { DialError, DialTimeoutError } from '../contract/errors.js';
import { initiateHandshake } from './handshake.js';
import { PeerConnection, type PeerConnectionOptions } from './peer-connection.js';
import { resolvePeerRateLimit } from '../limits/peer-rate-limit.js';
import type { PeerAddress, PeerInfo } from '../contract/types.js';
import { TRANSPORT_DEFAULTS } from './transport-defaults.js';

export interface DialerOptions {
  readonly identity: NodeIdentity;
  /** The local IP outbound sockets bind to: the node's own address, so peers see who dials. */
  readonly localAddress?: string;
  /** Covers connect and handshake together (the legacy node's "Connection timeout after 5 seconds"). */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly connection?: PeerConnectionOptions;
  /** false: never answer pings (a test's way to play a frozen peer). Default true. */
  readonly autoPong?: boolean;
}

export interface PeerDialResult extends DialResult {
  readonly connection: PeerConnection;
  readonly info: PeerInfo;
}

/** A Dialer whose connections are PeerConnections. */
export type PeerDialer = (address: string | PeerAddress) => Promise<PeerDialResult>;

const silent = pino({ level: 'silent' });

/**
 * Dials `ws://host:port` and runs the client side of the handshake. Rejects with DialTimeoutError
 * (socket terminated), DialError (refused, unreachable, not a peer's HTTP answer), HandshakeError,
 * or AddressError for an address that does not parse.
 */
export function createDialer(options: DialerOptions): PeerDialer {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? TRANSPORT_DEFAULTS.dialTimeoutMs;
  const log = (options.logger ?? silent).child({ component: 'dialer' });
  // Refused here, at creation, rather than at the first dial's connection.
  if (options.connection?.rateLimit) resolvePeerRateLimit(options.connection.rateLimit, 'connection.rateLimit');

  return async (address) => {
    const target = parseAddress(address);
    const text = formatAddress(target);
    return new Promise<PeerDialResult>((resolve, reject) => {
      let settled = false;
      const abort = new AbortController();
      const ws = new WebSocket(`ws://${text}`, {
        perMessageDeflate: false,
        maxPayload: MAX_FRAME_BYTES,
        localAddress: options.localAddress,
        followRedirects: false,
        autoPong: options.autoPong ?? true,
      });
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        log.debug({ peer: text, err: error }, 'dial failed');
        reject(error);
      };
      // Stays on until the connection has its own: a late error of an abandoned dial is harmless.
      const onError = (err: Error): void => fail(new DialError(text, err.message, { cause: err }));
      const onEarlyClose = (code: number): void => fail(new DialError(text, `closed before open (${code})`));
      const timer = clock.setTimeout(() => {
        fail(new DialTimeoutError(text, timeoutMs));
        abort.abort();
        ws.terminate();
      }, timeoutMs);
      ws.on('error', onError);
      ws.once('close', onEarlyClose);
      ws.once('open', () => {
        ws.off('close', onEarlyClose);
        // The handshake's own timer is a backstop: the dial timer, set first, fires first.
        initiateHandshake(ws, target, { identity: options.identity, clock, timeoutMs, signal: abort.signal }).then(
          ({ info, early }) => {
            if (settled) {
              early.detach();
              ws.terminate();
              return;
            }
            const connection = new PeerConnection(ws, { ip: target.host, port: target.port, early }, {
              clock: options.clock,
              logger: options.logger,
              ...options.connection,
            });
            ws.off('error', onError);
            settled = true;
            clock.clearTimeout(timer);
            log.debug({ peer: info }, 'dialled');
            resolve({ connection, info });
          },
          (err: Error) => fail(err),
        );
      });
    });
  };
}
