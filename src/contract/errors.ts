/**
 * Every error poolshift throws is a PoolshiftError with a stable `code`, so callers, tests and
 * shadow mode (which compares the errors of two managers) match on the class (`instanceof`) or on
 * a code of `ERROR_CODES`, never on the text.
 *
 * One file, a section per layer: the codes and classes of the contract, the transport, the pool
 * (what any manager refuses), the dual-mode pool and the node. The README lists every code.
 */
export const ERROR_CODES = {
  // contract: addresses, frames, configuration
  BAD_ADDRESS: 'POOLSHIFT_ERR_BAD_ADDRESS',
  PROTOCOL: 'POOLSHIFT_ERR_PROTOCOL',
  CONFIG: 'POOLSHIFT_ERR_CONFIG',
  // transport: a connection, its handshake, sends and pings, dials
  HANDSHAKE: 'POOLSHIFT_ERR_HANDSHAKE',
  SEND_FAILED: 'POOLSHIFT_ERR_SEND_FAILED',
  SEND_TIMEOUT: 'POOLSHIFT_ERR_SEND_TIMEOUT',
  BACKPRESSURE: 'POOLSHIFT_ERR_BACKPRESSURE',
  PING_TIMEOUT: 'POOLSHIFT_ERR_PING_TIMEOUT',
  CONNECTION_CLOSED: 'POOLSHIFT_ERR_CONNECTION_CLOSED',
  DIAL_FAILED: 'POOLSHIFT_ERR_DIAL_FAILED',
  DIAL_TIMEOUT: 'POOLSHIFT_ERR_DIAL_TIMEOUT',
  // pool: what a manager (legacy or unified) refuses
  NO_CONNECTION: 'POOLSHIFT_ERR_NO_CONNECTION',
  SELF_CONNECTION: 'POOLSHIFT_ERR_SELF_CONNECTION',
  QUARANTINED: 'POOLSHIFT_ERR_QUARANTINED',
  PEER_LIMIT: 'POOLSHIFT_ERR_PEER_LIMIT',
  PEER_DENIED: 'POOLSHIFT_ERR_PEER_DENIED',
  DIAL_QUEUE_FULL: 'POOLSHIFT_ERR_DIAL_QUEUE_FULL',
  NO_DIALER: 'POOLSHIFT_ERR_NO_DIALER',
  LOCK_CANCELED: 'POOLSHIFT_ERR_LOCK_CANCELED',
  POOL_CLOSED: 'POOLSHIFT_ERR_POOL_CLOSED',
  // dual: the dual-mode pool's mode switch and its mirror
  MODE_TRANSITION: 'POOLSHIFT_ERR_MODE_TRANSITION',
  PROMOTION_REFUSED: 'POOLSHIFT_ERR_PROMOTION_REFUSED',
  MIRROR_TIMEOUT: 'POOLSHIFT_ERR_MIRROR_TIMEOUT',
  FLAG_FILE: 'POOLSHIFT_ERR_FLAG_FILE',
  // fleet: the fleet gate's reads of Prometheus
  PROMETHEUS: 'POOLSHIFT_ERR_PROMETHEUS',
  // node: a fault planted by `poolshift node --inject-fault` (a plain Error carrying this code)
  INJECTED_FAULT: 'POOLSHIFT_ERR_INJECTED_FAULT',
} as const;

/** One of `ERROR_CODES`: the type of `PoolshiftError.code`. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class PoolshiftError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

// --- contract -----------------------------------------------------------------------------------

/** An address that does not parse, or a port out of range. */
export class AddressError extends PoolshiftError {
  constructor(readonly input: string, readonly why: string) {
    super(ERROR_CODES.BAD_ADDRESS, `invalid peer address ${JSON.stringify(input)}: ${why}`);
  }
}

export type ProtocolFault =
  | 'malformed-json'
  | 'binary-frame'
  | 'unknown-type'
  | 'missing-field'
  | 'invalid-field'
  | 'oversized';

/** A frame a peer sent that is not a valid protocol message. */
export class ProtocolError extends PoolshiftError {
  constructor(readonly fault: ProtocolFault, detail: string) {
    super(ERROR_CODES.PROTOCOL, `protocol error (${fault}): ${detail}`);
  }
}

/** Invalid configuration, refused at construction with the field named. */
export class ConfigError extends PoolshiftError {
  constructor(readonly field: string, detail: string) {
    super(ERROR_CODES.CONFIG, `invalid configuration: ${field} ${detail}`);
  }
}

// --- transport ----------------------------------------------------------------------------------

/** `refused`: the Hello was valid but the node would not take the peer (limits, deny list). */
export type HandshakeFault = 'timeout' | 'wrong-magic' | 'garbage' | 'self' | 'closed' | 'refused';

export class HandshakeError extends PoolshiftError {
  constructor(readonly fault: HandshakeFault, detail: string) {
    super(ERROR_CODES.HANDSHAKE, `handshake failed (${fault}): ${detail}`);
  }
}

/** A send that failed on the socket (closed, errored). */
export class SendError extends PoolshiftError {
  constructor(readonly key: string, message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.SEND_FAILED, message, options);
  }
}

export class SendTimeoutError extends PoolshiftError {
  constructor(readonly timeoutMs: number) {
    super(ERROR_CODES.SEND_TIMEOUT, `send not flushed within ${timeoutMs} ms`);
  }
}

/** The socket's buffered bytes are over the high-water mark: the peer is not reading. */
export class BackpressureError extends PoolshiftError {
  constructor(readonly bufferedAmount: number, readonly highWaterMark: number) {
    super(ERROR_CODES.BACKPRESSURE, `${bufferedAmount} bytes buffered, over the high-water mark of ${highWaterMark}`);
  }
}

export class PingTimeoutError extends PoolshiftError {
  constructor(readonly timeoutMs: number) {
    super(ERROR_CODES.PING_TIMEOUT, `no pong within ${timeoutMs} ms`);
  }
}

export class ConnectionClosedError extends PoolshiftError {
  constructor(detail = 'connection is closed') {
    super(ERROR_CODES.CONNECTION_CLOSED, detail);
  }
}

export class DialError extends PoolshiftError {
  constructor(readonly address: string, detail: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.DIAL_FAILED, `dial ${address} failed: ${detail}`, options);
  }
}

export class DialTimeoutError extends PoolshiftError {
  constructor(readonly address: string, readonly timeoutMs: number) {
    super(ERROR_CODES.DIAL_TIMEOUT, `Connection timeout after ${timeoutMs / 1000} seconds (${address})`);
  }
}

// --- pool: what a manager refuses ---------------------------------------------------------------

/** No connection is held for that peer. */
export class NoConnectionError extends PoolshiftError {
  constructor(readonly key: string, message = `No connection to peer ${key}`) {
    super(ERROR_CODES.NO_CONNECTION, message);
  }
}

/** Connecting to ourselves: a configured peer list that names this node. */
export class SelfConnectionError extends PoolshiftError {
  constructor(readonly key: string) {
    super(ERROR_CODES.SELF_CONNECTION, `refusing to connect to self (${key})`);
  }
}

export class QuarantinedError extends PoolshiftError {
  constructor(readonly key: string) {
    super(ERROR_CODES.QUARANTINED, `peer ${key} is quarantined`);
  }
}

/** A peer refused by the pool's limits (maxPeers, the outbound cap): reason `too-many-peers`. */
export class PeerLimitError extends PoolshiftError {
  readonly reason = 'too-many-peers' as const;
  constructor(readonly key: string, detail: string) {
    super(ERROR_CODES.PEER_LIMIT, `peer ${key} refused: ${detail}`);
  }
}

/** A peer whose IP is on the deny list: reason `banned`. */
export class PeerDeniedError extends PoolshiftError {
  readonly reason = 'banned' as const;
  constructor(readonly key: string) {
    super(ERROR_CODES.PEER_DENIED, `peer ${key} is denied by the IP filter`);
  }
}

/** The dial queue is full: too many dials running and waiting. */
export class DialQueueFullError extends PoolshiftError {
  constructor(readonly address: string, readonly queued: number) {
    super(ERROR_CODES.DIAL_QUEUE_FULL, `dial ${address} refused: ${queued} dials already waiting`);
  }
}

/** A lock wait aborted because its owner closed (the way out of a deadlocked legacy manager). */
export class LockCanceledError extends PoolshiftError {
  constructor(readonly lock: string) {
    super(ERROR_CODES.LOCK_CANCELED, `wait for lock ${lock} canceled`);
  }
}

export class PoolClosedError extends PoolshiftError {
  constructor() {
    super(ERROR_CODES.POOL_CLOSED, 'the pool is closed');
  }
}

// --- dual ---------------------------------------------------------------------------------------

/** setMode was asked for a step that is not allowed (forward by more than one stage). */
export class ModeTransitionError extends PoolshiftError {
  constructor(readonly from: string, readonly to: string, detail: string) {
    super(ERROR_CODES.MODE_TRANSITION, `cannot switch from ${from} to ${to}: ${detail}`);
  }
}

/** The promotion gate refused shadow -> live; `reason` says which condition failed. */
export class PromotionRefusedError extends PoolshiftError {
  constructor(readonly reason: string) {
    super(ERROR_CODES.PROMOTION_REFUSED, `promotion to live refused: ${reason}`);
  }
}

/** The mirror manager of a dual-mode pool did not answer in time (a deadlocked legacy mirror: L6). */
export class MirrorTimeoutError extends PoolshiftError {
  constructor(readonly op: string, readonly timeoutMs: number) {
    super(ERROR_CODES.MIRROR_TIMEOUT, `mirror ${op} did not settle within ${timeoutMs} ms`);
  }
}

/**
 * A flag file refused: `missing` (where the file is required), `not-regular` (a FIFO, a
 * directory, a device), `too-large` (over the size cap), `timeout` (not read in time: a hung
 * mount), or, read whole, `invalid-json` (the message says where: line, column, what was expected).
 */
export type FlagFileFault = 'missing' | 'not-regular' | 'too-large' | 'timeout' | 'invalid-json';

export class FlagFileError extends PoolshiftError {
  constructor(readonly fault: FlagFileFault, readonly path: string, detail: string) {
    super(ERROR_CODES.FLAG_FILE, `flag file ${path} refused (${fault}): ${detail}`);
  }
}

/** Prometheus's HTTP API could not answer a query: unreachable, an HTTP error, or a query it refused. */
export class PrometheusError extends PoolshiftError {
  constructor(readonly url: string, detail: string) {
    super(ERROR_CODES.PROMETHEUS, `Prometheus at ${url}: ${detail}`);
  }
}
